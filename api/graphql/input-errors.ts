/**
 * Gives variable-coercion errors a stable code. graphql-js rejects a variable of the wrong
 * type (`Variable "$x" got invalid value …`) before any resolver runs, without an
 * `extensions.code`; this plugin marks those BAD_USER_INPUT, like every other bad input.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

const VARIABLE_ERROR = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /;

function withCode(e: GraphQLError): GraphQLError {
  if (e.extensions?.code !== undefined || !VARIABLE_ERROR.test(e.message)) return e;
  return new GraphQLError(e.message, {
    nodes: e.nodes ?? null,
    source: e.source ?? null,
    positions: e.positions ?? null,
    path: e.path ?? null,
    originalError: e.originalError ?? null,
    extensions: { ...e.extensions, code: "BAD_USER_INPUT" },
  });
}

export function useInputErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result || !result.errors?.length) return;
          setResult({ ...result, errors: result.errors.map(withCode) });
        },
      };
    },
  };
}
