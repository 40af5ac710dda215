// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".tools/",
      "artifacts/",
      "cache/",
      "coverage/",
      "types/",
      "data/",
      "ignition/deployments/",
      "subgraph/",
      "web/dist/",
      "**/*.js",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      // fastify plugins and handlers are async by convention, with or without an await.
      "@typescript-eslint/require-await": "off",
      // Money and bytes are bigint: `Number(x)` on them is a bug. Identifiers carrying these
      // units must never be converted to number.
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.name='Number'] > Identifier[name=/(MicroUsd|Bytes|Wei|Amount)$/]",
          message: "Money and byte amounts are bigint base units; never convert them to number.",
        },
        {
          selector: "CallExpression[callee.name='parseFloat']",
          message: "No floats for money or bytes: parse into bigint base units (core/units.ts).",
        },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-floating-promises": "off",
      "@typescript-eslint/no-unused-expressions": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
