/**
 * Bad GraphQL input gets a stable code and one HTTP status, whatever form it came in
 * (issue 14, part 5):
 *
 * - Text a database cannot hold — a NUL (`\u0000`), a lone UTF-16 surrogate — or longer than
 *   MAX_TEXT_LENGTH is refused before anything runs: in the document's string literals (a
 *   validation rule) and in the variables (when the request's parameters are read).
 * - graphql-js's variable-coercion errors (`Variable "$x" got invalid value …`) carry no
 *   `extensions.code`, and a literal of the wrong type is GRAPHQL_VALIDATION_FAILED; both are
 *   marked BAD_USER_INPUT like every other bad input, so a value refused as a literal and as a
 *   variable answers the same code and status.
 * - One not-found code: any `…_NOT_FOUND` is answered `NOT_FOUND` (the message says what).
 * - A request error (parse, validation, variables: nothing executed, no `data`) is HTTP 400
 *   for every accepted media type — a bad literal and the same bad value in a variable answer
 *   the same. Errors of an executed operation stay HTTP 200 beside their `data`.
 */
import { GraphQLError, type ASTVisitor, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import { textProblem } from "../../http/plugins/json-body.ts";

/** The longest string argument or variable (characters); no argument needs more (notes: 2 000). */
export const MAX_TEXT_LENGTH = 4_096;

const VARIABLE_ERROR = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /;
/** graphql-js's ValuesOfCorrectType messages: a literal of the wrong type, shape or range. */
const VALUE_ERROR =
  /^(Expected value of type|Int cannot represent|Float cannot represent|String cannot represent|Boolean cannot represent|ID cannot represent|Enum "|Value "|Field "[^"]+" of required type|Field "[^"]+" is not defined by type)/;

function badText(value: string): string | null {
  if (value.length > MAX_TEXT_LENGTH) return `is longer than ${MAX_TEXT_LENGTH} characters; send a shorter one`;
  return textProblem(value);
}

/** The first problem of any string in a variables object (keys included), with its path. */
export function variablesProblem(value: unknown, path = "$"): string | null {
  if (typeof value === "string") {
    const p = badText(value);
    return p ? `Variable ${path} ${p}.` : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = variablesProblem(value[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (typeof value === "object" && value !== null)
    for (const [k, v] of Object.entries(value)) {
      const keyProblem = textProblem(k);
      if (keyProblem) return `A variable name in ${path} ${keyProblem}.`;
      const p = variablesProblem(v, path === "$" ? `$${k}` : `${path}.${k}`);
      if (p) return p;
    }
  return null;
}

/** A validation rule: string literals of the document hold only storable text of bounded length. */
export function storableTextRule(context: ValidationContext): ASTVisitor {
  return {
    StringValue(node) {
      const p = badText(node.value);
      if (p)
        context.reportError(
          new GraphQLError(`A string argument ${p}.`, { nodes: node, extensions: { code: "BAD_USER_INPUT" } }),
        );
    },
  };
}

function recode(e: GraphQLError, requestError: boolean): GraphQLError {
  const code = e.extensions?.code;
  let newCode: unknown = code;
  if (code === undefined && VARIABLE_ERROR.test(e.message)) newCode = "BAD_USER_INPUT";
  else if (code === "GRAPHQL_VALIDATION_FAILED" && VALUE_ERROR.test(e.message)) newCode = "BAD_USER_INPUT";
  else if (typeof code === "string" && code.endsWith("_NOT_FOUND")) newCode = "NOT_FOUND";
  if (newCode === code && !requestError) return e;
  const extensions: Record<string, unknown> = { ...e.extensions };
  if (newCode !== undefined) extensions.code = newCode;
  // Yoga answers `http.status` (without `spec`) for every media type, and strips `http` from the body.
  if (requestError) extensions.http = { status: 400 };
  return new GraphQLError(e.message, {
    nodes: e.nodes ?? null,
    source: e.source ?? null,
    positions: e.positions ?? null,
    path: e.path ?? null,
    originalError: e.originalError ?? null,
    extensions,
  });
}

type ResultLike = { errors?: readonly GraphQLError[]; data?: unknown };

export function useInputErrorCodes(): Plugin {
  return {
    onParams({ params, setResult }) {
      const problem = variablesProblem(params.variables ?? null);
      if (problem)
        setResult({
          errors: [new GraphQLError(problem, { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } })],
        });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(storableTextRule);
    },
    onResultProcess(payload) {
      const { result } = payload;
      if (Symbol.asyncIterator in result) return;
      const fix = (r: ResultLike): ResultLike => {
        if (!r.errors?.length) return r;
        const requestError = !("data" in r) || r.data === undefined;
        return { ...r, errors: r.errors.map((e) => recode(e, requestError)) };
      };
      payload.setResult((Array.isArray(result) ? result.map(fix) : fix(result as ResultLike)) as typeof result);
    },
  };
}
