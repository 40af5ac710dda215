/**
 * The GraphQL API: graphql-yoga mounted in fastify at `/graphql` (GraphiQL on GET in
 * development), subscriptions over SSE (yoga) and WebSocket (graphql-ws on the same path),
 * depth and cost limits, per-request DataLoaders, and the live event bus (`app.ledgerEvents`),
 * through Redis when `redisUrl` is set.
 */
import { readFileSync } from "node:fs";
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { makeHandler } from "graphql-ws/use/@fastify/websocket";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { createSchema, createYoga, type Plugin } from "graphql-yoga";
import { NoSchemaIntrospectionCustomRule, type ExecutionArgs, type GraphQLError } from "graphql";
import { definePlugin } from "../../http/plugins/define.ts";
import { createLedgerEvents, type LedgerEvents } from "../../events/ledger-events.ts";
import { createAccrualService, type AccrualService } from "../accrual/service.ts";
import type { AccrualSetup } from "../accrual/compute.ts";
import { createFastQuery } from "./fast-path.ts";
import { createResponseCache, type ResponseCache } from "./response-cache.ts";
import { maskGraphqlError } from "../../http/graphql/errors.ts";
import { useInputErrorCodes, variablesProblem } from "./input-errors.ts";
import { DEFAULT_LIMITS, queryLimitsRule, type QueryLimits } from "./limits.ts";
import { graphqlContextFactory, type GraphqlContext } from "./context.ts";
import { mergedResolvers, type ResolverSet } from "./resolvers.ts";

export const DEFAULT_RESPONSE_CACHE_MIB = 256;

export const SCHEMA_SDL = readFileSync(new URL("./schema.graphql", import.meta.url), "utf8");

export type GraphqlOptions = {
  /** Serve GraphiQL on GET /graphql (default: unless NODE_ENV is production). */
  graphiql?: boolean;
  /**
   * Answer introspection (`__schema`, `__type`). Default: `LEDGER_GRAPHQL_INTROSPECTION`
   * (`true` / `false`) when set, else on unless NODE_ENV is production.
   */
  introspection?: boolean;
  /** Redis for subscriptions across replicas; unset: in-process. */
  redisUrl?: string | undefined;
  limits?: QueryLimits;
  /** `LEDGER_DATA_DIR`: where the oracle's datasets are (`Epoch.verification`, `OracleEpoch.rateCard`). */
  dataDir?: string;
  /** `LEDGER_GRAPHQL_CACHE_MIB`: the response cache's budget (response-cache.ts); 0 turns it off. Default 256. */
  responseCacheMiB?: number;
  /**
   * The live accrual (`Supporter.accrual`, `accrualUpdated`): the coordinator's clock and the oracle's
   * heartbeat slot; default one-day epochs from the unix epoch and 60-second slots.
   */
  accrual?: Partial<AccrualSetup> & { throttleMs?: number; refreshMs?: number };
  /** Resolvers of the schema's fields other rooms serve (the coordinator's admin mutations), merged per type. */
  resolvers?: readonly ResolverSet[];
};

declare module "fastify" {
  interface FastifyInstance {
    /** Live ledger events: publish indexer steps, subscribe in GraphQL subscriptions. */
    ledgerEvents: LedgerEvents;
    /** The live accrual service (read-api/accrual/service.ts). */
    accrual: AccrualService;
    /** Counters of `POST /graphql`'s fast path (fast-path.ts). */
    graphqlFastPath: { served: number; cached: number };
    /** The GraphQL response cache, or null when it is off. */
    graphqlResponseCache: ResponseCache | null;
  }
}

/** Enforces the query limits (and, when off, no introspection) as validation rules: before anything executes. */
function useQueryLimits(limits: QueryLimits, introspection: boolean): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(queryLimitsRule(limits));
      if (!introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** `LEDGER_GRAPHQL_INTROSPECTION` read at registration: unset, `true` or `false` (anything else fails the boot). */
export function introspectionFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.LEDGER_GRAPHQL_INTROSPECTION;
  if (v === undefined || v === "") return env.NODE_ENV !== "production";
  if (v === "true") return true;
  if (v === "false") return false;
  throw new Error(`LEDGER_GRAPHQL_INTROSPECTION must be "true" or "false", not ${JSON.stringify(v)}.`);
}

export default definePlugin(
  "graphql",
  async (app: FastifyInstance, options: GraphqlOptions) => {
    const events = await createLedgerEvents({ redisUrl: options.redisUrl, log: app.log });
    app.decorate("ledgerEvents", events);
    if (options.redisUrl)
      app.dependencies.register("redis", () => Promise.resolve(events.redisUp() === true), { selfLogging: true });
    app.addHook("onClose", async () => events.close());
    const accrual = createAccrualService({
      db: app.db,
      events,
      clock: options.accrual?.clock ?? { epochSeconds: 86_400, genesis: 0 },
      heartbeatSlotSeconds: options.accrual?.heartbeatSlotSeconds ?? 60n,
      rules: options.accrual?.rules,
      fallbackRateCard: options.accrual?.fallbackRateCard,
      now: options.accrual?.now,
      throttleMs: options.accrual?.throttleMs,
      refreshMs: options.accrual?.refreshMs,
      log: app.log,
    });
    app.decorate("accrual", accrual);
    app.addHook("onClose", async () => accrual.close());

    const yoga = createYoga<{ req: FastifyRequest; reply: FastifyReply }, GraphqlContext>({
      schema: createSchema<GraphqlContext>({
        typeDefs: SCHEMA_SDL,
        resolvers: mergedResolvers(options.resolvers),
      }) as never,
      graphqlEndpoint: "/graphql",
      graphiql: options.graphiql ?? process.env.NODE_ENV !== "production",
      // GraphiQL with its bundle inlined: it works on a machine without internet access.
      renderGraphiQL,
      landingPage: false,
      maskedErrors: { maskError: maskGraphqlError },
      context: graphqlContextFactory({ db: app.db, events, accrual, dataDir: options.dataDir ?? "data" }),
      plugins: [
        useQueryLimits(options.limits ?? DEFAULT_LIMITS, options.introspection ?? introspectionFromEnv()),
        useInputErrorCodes(),
      ],
      logging: {
        debug: (...args: unknown[]) => app.log.debug({ args }, "graphql"),
        info: (...args: unknown[]) => app.log.info({ args }, "graphql"),
        warn: (...args: unknown[]) => app.log.warn({ args }, "graphql"),
        error: (...args: unknown[]) => app.log.error({ err: args[0] }, "graphql error"),
      },
    });

    const cacheMiB = options.responseCacheMiB ?? DEFAULT_RESPONSE_CACHE_MIB;
    const cache = cacheMiB > 0 ? createResponseCache(app.db, { byteCapacity: cacheMiB * 2 ** 20, log: app.log }) : null;
    app.decorate("graphqlResponseCache", cache);
    if (cache) app.addHook("onClose", async () => cache.close());
    const fastQuery = createFastQuery(yoga, cache);
    app.decorate("graphqlFastPath", fastQuery.stats);
    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      // Variables holding text the database cannot store go straight to yoga, which refuses them.
      const variables = (req.body as { variables?: unknown } | null | undefined)?.variables;
      const fast = variables != null && variablesProblem(variables) ? null : await fastQuery(req, reply);
      if (fast !== null) return reply.header("content-type", "application/json; charset=utf-8").send(fast);
      const res = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
      res.headers.forEach((value, key) => void reply.header(key, value));
      if (res.headers.get("content-type")?.startsWith("text/html"))
        // GraphiQL's page inlines its bundle and styles and runs its editor workers from blob: URLs.
        reply.header(
          "content-security-policy",
          "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:",
        );
      reply.status(res.status);
      return reply.send(res.body);
    };

    // WebSocket (graphql-ws) on GET /graphql: the same schema, context and limits as HTTP
    // (yoga's documented graphql-ws recipe; envelop's getEnveloped is loosely typed).
    /* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return */
    const wsHandler = makeHandler({
      execute: (args: ExecutionArgs) => (args.rootValue as { execute(a: ExecutionArgs): never }).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as { subscribe(a: ExecutionArgs): never }).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        let document;
        try {
          document = parse(params.query);
        } catch (err) {
          return [err as GraphQLError];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        return {
          schema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    });

    /* eslint-enable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return */

    await app.register(async (scope) => {
      await scope.register(websocket);
      scope.route({ method: "GET", url: "/graphql", handler: handle, wsHandler });
      scope.route({ method: ["POST", "OPTIONS"], url: "/graphql", handler: handle });
    });
  },
  ["dependencies"],
);
