/**
 * Enforces "no `number` for money or bytes" (issue 4, item 1) over every TypeScript source of
 * the project: an identifier whose name carries a money or byte unit (…MicroUsd, …Bytes,
 * …Amount, …Wei, …Usd, …Fee) must not be declared `number` (variables, parameters,
 * properties, type aliases, function return types), nor initialized from a plain numeric
 * literal. The companion eslint rule (`no-restricted-syntax` in eslint.config.js) forbids
 * `Number(xBytes)` and `parseFloat`.
 */
import { describe, it } from "node:test";
import { readFileSync, globSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const UNIT_NAME = /(MicroUsd|Bytes|Amount|Wei|Usd|Fee)$/;
const SOURCES = [
  "bench",
  "chain",
  "coordinator",
  "events",
  "http",
  "indexer",
  "read-api",
  "relayer",
  "server",
  "core",
  "db",
  "oracle",
  "scripts",
  "test",
  "web/src",
].map((d) => `${d}/**/*.ts`);
const IGNORED = /(^|\/)(node_modules|artifacts|types|\.tools)\//;

type Violation = { file: string; line: number; name: string; why: string };

function nameOf(node: ts.Node): string | undefined {
  const name = (node as { name?: ts.Node }).name;
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  return undefined;
}

/** Whether a type node is, or is a union containing, `number`. */
function hasNumber(type: ts.TypeNode | undefined): boolean {
  if (!type) return false;
  if (type.kind === ts.SyntaxKind.NumberKeyword) return true;
  if (ts.isUnionTypeNode(type)) return type.types.some(hasNumber);
  if (ts.isParenthesizedTypeNode(type)) return hasNumber(type.type);
  if (ts.isArrayTypeNode(type)) return hasNumber(type.elementType);
  return false;
}

function isNumericLiteral(expr: ts.Expression | undefined): boolean {
  if (!expr) return false;
  if (ts.isNumericLiteral(expr)) return true;
  if (ts.isPrefixUnaryExpression(expr)) return ts.isNumericLiteral(expr.operand);
  return false;
}

/** Finds unit-named identifiers typed or initialized as `number` in one source text. */
function scanSource(file: string, text: string): Violation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Violation[] = [];
  const report = (node: ts.Node, name: string, why: string) =>
    out.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, name, why });
  const visit = (node: ts.Node) => {
    const name = nameOf(node);
    if (name !== undefined && UNIT_NAME.test(name)) {
      if (
        ts.isVariableDeclaration(node) ||
        ts.isParameter(node) ||
        ts.isPropertySignature(node) ||
        ts.isPropertyDeclaration(node)
      ) {
        if (hasNumber(node.type)) report(node, name, "declared as number");
        else if (!node.type && "initializer" in node && isNumericLiteral(node.initializer))
          report(node, name, "initialized from a number literal (use a bigint literal, e.g. 0n)");
      } else if (ts.isPropertyAssignment(node) && isNumericLiteral(node.initializer)) {
        report(node, name, "assigned a number literal (use a bigint literal)");
      } else if (ts.isTypeAliasDeclaration(node) && hasNumber(node.type)) {
        report(node, name, "type alias of number");
      } else if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && hasNumber(node.type)) {
        report(node, name, "returns number");
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe("units: no number for money or bytes", () => {
  it("default: no TypeScript source of the project declares a money or byte amount as number", () => {
    const files = SOURCES.flatMap((g) => globSync(g, { cwd: ROOT })).filter(
      (f) => !IGNORED.test(f) && !f.endsWith(".d.ts"),
    );
    expect(files.length).to.be.greaterThan(5);
    const violations = files.flatMap((f) => scanSource(f, readFileSync(`${ROOT}${f}`, "utf8")));
    expect(violations.map((v) => `${v.file}:${v.line} ${v.name}: ${v.why}`)).to.deep.equal([]);
  });

  it("behavior: the scanner catches every staged form, and allows bigint", () => {
    const text = `
      let servedBytes: number = 0;
      type PriceMicroUsd = number;
      function f(amountMicroUsd: number | undefined) {}
      interface S { totalBytes: number; ok: bigint; countedBytes?: number[] }
      class C { feeAmount = 5; }
      const o = { rewardAmount: 3 };
      function payoutWei(): number { return 1; }
      const fine: bigint = 1n, goodBytes = 0n, chunkSize = 5, byteLength: number = 1;
    `;
    const names = scanSource("x.ts", text).map((v) => v.name);
    expect(names).to.deep.equal([
      "servedBytes",
      "PriceMicroUsd",
      "amountMicroUsd",
      "totalBytes",
      "countedBytes",
      "feeAmount",
      "rewardAmount",
      "payoutWei",
    ]);
  });
});
