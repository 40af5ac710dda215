/**
 * The fast path of `POST /graphql` for its most common request: a JSON query (not a mutation or
 * subscription) from a client that accepts `application/json`, which parses, validates and
 * executes without an error. It runs yoga's own envelop (`yoga.getEnveloped`: the same schema,
 * parser and validation cache, query limits, masked errors, context) but skips yoga's HTTP layer
 * (Fetch Request/Response objects, request parsers, result processors), which cost more than
 * executing the supporter query itself; and it executes with graphql-jit (the operation compiled
 * once per cached document into JavaScript: the same resolvers and scalars, without the generic
 * executor's per-field work). Documents graphql-jit cannot compile use yoga's executor.
 *
 * Everything else returns `null` and goes through yoga unchanged: GET, other media types, an
 * `Origin` header (yoga's CORS answers those), unknown body fields, mutations, subscriptions,
 * and any result with errors or extensions: a query has no side effects, so yoga executing it
 * again yields yoga's exact error response (codes, masking, status).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { isCacheableOperation } from "./cacheable.ts";
import { responseCacheKey, type ResponseCache } from "./response-cache.ts";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import {
  getOperationAST,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from "graphql";

type Enveloped = {
  schema: GraphQLSchema;
  parse(query: string): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly unknown[];
  contextFactory(): unknown;
  execute(args: {
    schema: GraphQLSchema;
    document: DocumentNode;
    contextValue: unknown;
    variableValues?: Record<string, unknown> | null;
    operationName?: string | null;
  }): unknown;
};

export type FastQueryYoga = { getEnveloped(context: Record<string, unknown>): unknown };

const BODY_KEYS = new Set(["query", "variables", "operationName"]);

/**
 * Compiled operations by document (yoga's parser cache keeps one object per query text, so a
 * document lives as long as it is cached there) and operation name; null: not compilable.
 */
const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();

function compiledOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null) {
  let byName = compiled.get(document);
  if (!byName) compiled.set(document, (byName = new Map<string, CompiledQuery | null>()));
  const key = operationName ?? "";
  let op = byName.get(key);
  if (op === undefined) {
    const c = compileQuery(schema, document, operationName ?? undefined);
    op = isCompiledQuery(c) ? c : null;
    byName.set(key, op);
  }
  return op;
}

/** `application/json` accepted (or anything): yoga would answer `application/json; charset=utf-8`. */
function acceptsJson(accept: string | undefined): boolean {
  return accept === undefined || accept === "*/*" || accept.startsWith("application/json");
}

/**
 * The JSON response body of a fast-path query, or null for yoga to handle the request. With a
 * response `cache`, a cacheable operation's body (cacheable.ts) is kept and served from it.
 */
export function createFastQuery(yoga: FastQueryYoga, cache: ResponseCache | null = null) {
  const stats = { served: 0, cached: 0 };
  const fastQuery = async (req: FastifyRequest, reply: FastifyReply): Promise<string | null> => {
    if (req.method !== "POST" || req.headers.origin !== undefined || !acceptsJson(req.headers.accept)) return null;
    if (!req.headers["content-type"]?.startsWith("application/json")) return null;
    const body = req.body as Record<string, unknown> | null | undefined;
    if (typeof body !== "object" || body === null || typeof body.query !== "string") return null;
    for (const key in body) if (!BODY_KEYS.has(key)) return null;
    const { variables, operationName } = body;
    if (variables !== undefined && variables !== null && (typeof variables !== "object" || Array.isArray(variables)))
      return null;
    if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return null;
    const params = { query: body.query, variables, operationName };
    // Only a body this path computed, for the same query, variables and operation, is ever cached.
    const key = cache?.usable ? responseCacheKey(body.query, variables, operationName ?? null) : null;
    if (key !== null) {
      const hit = cache!.get(key);
      if (hit) {
        stats.served++;
        stats.cached++;
        return hit;
      }
    }
    const ticket = key !== null ? cache!.begin() : null;

    // `request`: yoga's envelop plugins read only its method (usePreventMutationViaGET, which
    // also gives parse errors their GRAPHQL_PARSE_FAILED code before the parser cache keeps them).
    const env = yoga.getEnveloped({ req, reply, params, request: { method: "POST" } }) as Enveloped;
    let document: DocumentNode;
    try {
      document = env.parse(body.query);
    } catch {
      return null;
    }
    if (env.validate(env.schema, document).length > 0) return null;
    if (getOperationAST(document, operationName ?? undefined)?.operation !== OperationTypeNode.QUERY) return null;
    const contextValue = (await env.contextFactory()) as { readDeps?: Set<string> };
    const jit = compiledOperation(env.schema, document, operationName ?? null);
    const result = (await (jit
      ? jit.query(undefined, contextValue, variables ?? {})
      : env.execute({
          schema: env.schema,
          document,
          contextValue,
          variableValues: variables as Record<string, unknown> | null | undefined,
          operationName: operationName ?? null,
        }))) as ExecutionResult | AsyncIterable<unknown>;
    if (Symbol.asyncIterator in result || result.errors !== undefined || result.extensions !== undefined) return null;
    stats.served++;
    const json = JSON.stringify({ data: result.data });
    if (ticket && contextValue.readDeps && isCacheableOperation(env.schema, document, operationName ?? null))
      cache!.put(ticket, key!, json, contextValue.readDeps);
    return json;
  };
  /** How many requests the fast path answered (tests, metrics). */
  return Object.assign(fastQuery, { stats });
}
