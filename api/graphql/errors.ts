/**
 * GraphQL errors with stable `extensions.code`s. Resolvers throw these for bad input; anything
 * else is masked by yoga as INTERNAL_SERVER_ERROR (logged, never shown).
 */
import { GraphQLError } from "graphql";

export type GraphqlErrorCode =
  "BAD_USER_INPUT" | "NOT_FOUND" | "PAGE_TOO_LARGE" | "INVALID_CURSOR" | "QUERY_TOO_DEEP" | "QUERY_TOO_COMPLEX";

export function userError(code: GraphqlErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}
