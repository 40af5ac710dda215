/**
 * GraphQL errors with stable `extensions.code`s. Resolvers throw these for bad input; anything
 * else is masked by yoga as INTERNAL_SERVER_ERROR (logged, never shown).
 */
import { GraphQLError } from "graphql";
import { maskError } from "graphql-yoga";
import { isChainUnavailable } from "../../core/chain-unavailable.ts";
import { isDatabaseUnavailable } from "../../db/errors.ts";
import {
  CHAIN_RETRY_AFTER_SECONDS,
  CHAIN_UNAVAILABLE_MESSAGE,
  DATABASE_RETRY_AFTER_SECONDS,
  DATABASE_UNAVAILABLE_MESSAGE,
} from "../api-error.ts";

export type GraphqlErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "PAGE_TOO_LARGE"
  | "INVALID_CURSOR"
  | "QUERY_TOO_DEEP"
  | "QUERY_TOO_COMPLEX"
  | "DATABASE_UNAVAILABLE"
  | "CHAIN_UNAVAILABLE";

export function userError(code: GraphqlErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/**
 * yoga's error masking, plus honest exceptions: a resolver that failed because the database
 * (or the chain's RPC) is unreachable answers `DATABASE_UNAVAILABLE` (`CHAIN_UNAVAILABLE`)
 * with HTTP 503 and `Retry-After`, so clients and load balancers wait and retry instead of
 * reporting a bug.
 */
export const maskGraphqlError: typeof maskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (isDatabaseUnavailable(original))
    return new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: {
        code: "DATABASE_UNAVAILABLE",
        http: { status: 503, headers: { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) } },
      },
    });
  if (isChainUnavailable(original))
    return new GraphQLError(CHAIN_UNAVAILABLE_MESSAGE, {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: {
        code: "CHAIN_UNAVAILABLE",
        http: { status: 503, headers: { "retry-after": String(CHAIN_RETRY_AFTER_SECONDS) } },
      },
    });
  return maskError(error, message, isDev);
};
