import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../api-error.ts";
import { definePlugin } from "./define.ts";

/**
 * Strict request input, before any schema or database sees it (issue 14, parts 4 and 5).
 *
 * - JSON bodies are parsed exactly: a number token is accepted only as plain digits whose value
 *   is a safe integer (|n| ≤ 2^53 − 1) or as a fraction that is not a whole number; `1e3`,
 *   `1.0` and `9007199254740993` (which a double would round) are refused — integers that can
 *   exceed 2^53 are decimal strings on the wire.
 * - Text never holds NUL (`\u0000`; PostgreSQL text and jsonb cannot store it) or a lone UTF-16
 *   surrogate (jsonb refuses it), in a body or in the URL (`%00`).
 * - A `__proto__` key, or `constructor.prototype`, is refused as such — the JSON itself is valid.
 *
 * Every refusal is a 400 VALIDATION_FAILED (MALFORMED_JSON for text that is not JSON) with a
 * message saying what to change. The common case pays one regular-expression scan: the reviver
 * runs only when the text holds something it must look at.
 */

/** Anything the exact parse must look at: escapes of NUL or surrogates, prototype keys, long or non-plain numbers. */
const SUSPECT = /\\u0000|\\u[dD][89a-fA-F]|"__proto__"|"constructor"|(?:^|[:[,])\s*-?\d+(?:[.eE]|\d{15})/;
const PLAIN_INTEGER = /^-?(?:0|[1-9]\d*)$/;
// eslint-disable-next-line no-control-regex -- a raw NUL is exactly what this looks for
const NUL_IN_URL = /%00|\u0000/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const invalidInput = (message: string) => new ApiError(400, "VALIDATION_FAILED", message);

/** A text value's problem (NUL, lone surrogate), or null. */
export function textProblem(value: string): string | null {
  if (value.includes("\u0000")) return "contains a NUL character (\\u0000), which text cannot hold; remove it";
  if (LONE_SURROGATE.test(value)) return "contains a lone UTF-16 surrogate; send well-formed Unicode";
  return null;
}

function where(path: string): string {
  return path === "" ? "the body" : `\`${path}\``;
}

/** JSON.parse's reviver with source text access (Node ≥ 21), not yet in TypeScript's lib. */
type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/** Parses JSON text exactly (see the header); throws an ApiError for what the API refuses. */
export function parseJsonExactly(text: string): unknown {
  if (text.trim() === "") throw new ApiError(400, "MALFORMED_JSON", "The body is empty; send a JSON object.");
  const strict = SUSPECT.test(text);
  const reviver: Reviver = function (this: unknown, key, value, context) {
    if (key === "__proto__") throw invalidInput("The body has a `__proto__` key, which the API refuses; remove it.");
    if (key === "constructor" && typeof value === "object" && value !== null && "prototype" in value)
      throw invalidInput("The body has a `constructor.prototype` key, which the API refuses; remove it.");
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem) throw invalidInput(`The text at ${where(key)} ${problem}.`);
    } else if (typeof value === "number") {
      const source = context?.source ?? String(value);
      if (PLAIN_INTEGER.test(source)) {
        if (!Number.isSafeInteger(value))
          throw invalidInput(
            `The number ${source} at ${where(key)} exceeds 2^53 − 1 and would be rounded; send it as a decimal string.`,
          );
      } else if (Number.isInteger(value))
        throw invalidInput(`The number ${source} at ${where(key)} is not written as plain digits; write ${value}.`);
    } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const k of Object.keys(value)) {
        const problem = textProblem(k);
        if (problem) throw invalidInput(`A key of ${where(key)} ${problem}.`);
      }
    }
    return value;
  };
  try {
    return strict ? JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]) : JSON.parse(text);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(
      400,
      "MALFORMED_JSON",
      `The body is not valid JSON (${(err as Error).message}); fix its syntax.`,
    );
  }
}

/** Whether the URL (path or query) holds a NUL, raw or percent-encoded. */
export function urlHasNul(request: FastifyRequest): boolean {
  return NUL_IN_URL.test(request.url);
}

export default definePlugin("json-body", async (app: FastifyInstance) => {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, parseJsonExactly(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook("onRequest", async (request) => {
    if (urlHasNul(request))
      throw invalidInput("The URL contains a NUL character (%00), which no path segment or parameter may hold.");
  });
});
