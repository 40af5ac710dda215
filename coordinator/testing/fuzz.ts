/**
 * The adversarial HTTP fuzzer (issue 14, part 10): every REST route and GraphQL argument of the
 * API, each case one field replaced by a hostile value of a known class, sent with `fetch` to a
 * real server (listening on a port). What must hold for every case:
 *
 * - no 5xx, never INTERNAL / INTERNAL_SERVER_ERROR;
 * - a refusal carries a stable code (REST `code`, GraphQL `extensions.code`, SCREAMING_SNAKE);
 * - a value that no schema accepts (NUL, int8 overflow, > 2^53 numbers, hex / leading-zero /
 *   boolean numbers, arrays for scalars, unknown fields, null, over-long text, `__proto__`,
 *   wrong scopes, made-up keys) IS refused, with VALIDATION_FAILED (REST) or BAD_USER_INPUT
 *   (GraphQL) for bad values, FORBIDDEN / UNAUTHORIZED for keys;
 * - nothing is stored from a refused request: the rows of every table the API writes (and the
 *   founder and revocation flags) are the same before and after; a receipt batch stores
 *   exactly the receipts it answers `accepted` (or NON_MONOTONIC).
 *
 * `fuzzCase` is a fast-check arbitrary; `runFuzzCase` runs one case and returns what broke (or
 * null). Used by coordinator/routes/fuzz.test.ts (a CI-sized run) and scripts/fuzz.ts (long runs).
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import type { Address } from "../../core/eip712/domain.ts";
import type { Hex } from "../../core/hex.ts";
import type { Db } from "../../db/types.ts";
import {
  adminHeaders,
  ADMIN_KEY,
  CURRENT_EPOCH,
  grant,
  newKey,
  randomHex32,
  register,
  signedHeartbeat,
  signedReceipt,
  type WireReceipt,
} from "./fixtures.ts";

// ---- hostile values ------------------------------------------------------------------------

/** JSON text written verbatim into a body (a number a double would round, `1.0`). */
class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export const VALUE_CLASSES = [
  "nul",
  "int8Overflow",
  "hugeInteger",
  "beyondSafe",
  "hex",
  "leadingZero",
  "boolean",
  "array",
  "null",
  "overLong",
  "float",
  "negative",
] as const;
export type ValueClass = (typeof VALUE_CLASSES)[number];

/** Classes that replace the whole request's shape or credentials rather than one value. */
export const REQUEST_CLASSES = ["unknownField", "proto", "wrongScope", "madeUpKey"] as const;
export type RequestClass = (typeof REQUEST_CLASSES)[number];

const OVER_LONG = "a".repeat(5_000);

function hostile(c: ValueClass, baseline: unknown): unknown {
  switch (c) {
    case "nul":
      return "1\u0000";
    case "int8Overflow":
      return "9223372036854775808";
    case "hugeInteger":
      return "1000000000000000000000000000000";
    case "beyondSafe":
      return new Raw("9007199254740993");
    case "hex":
      return "0x10";
    case "leadingZero":
      return "0100";
    case "boolean":
      return true;
    case "array":
      return [baseline];
    case "null":
      return null;
    case "overLong":
      return OVER_LONG;
    case "float":
      return new Raw("1.0");
    case "negative":
      return -1;
  }
}

/** JSON text of `value`, Raw pieces verbatim. */
function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Raw) {
      raws.push(v.text);
      return `\u0001RAW${raws.length - 1}\u0001`;
    }
    return v;
  });
  return text.replace(/"\\u0001RAW(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]!);
}

/** How a field's schema reads a value: decides which hostile classes it could legitimately accept. */
type FieldKind =
  | "uint" // uint64: JSON integer ≤ 2^53 − 1 or int8 decimal string
  | "int" // JSON integer only (epochs, bps)
  | "uint256" // decimal string ≤ 78 digits
  | "hexValue" // address, bytes32, signature
  | "ident" // restricted identifier text (digits allowed)
  | "text" // free text
  | "bool"
  | "enum"
  | "list"
  | "object";

/** Whether every schema of this kind refuses the class (else the value may be valid). */
function alwaysRefused(kind: FieldKind, c: ValueClass): boolean {
  switch (c) {
    case "int8Overflow":
    case "hugeInteger":
      return !(kind === "uint256" || kind === "ident" || kind === "text");
    case "hex":
    case "leadingZero":
      return !(kind === "ident" || kind === "text");
    case "boolean":
      return kind !== "bool";
    default:
      return true;
  }
}

// ---- the catalogue of REST routes ----------------------------------------------------------

type Auth = "none" | "admin" | "sessions";
type Param = { name: string; kind: FieldKind; value: string };

type RestRoute = {
  name: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path with `:name` placeholders. */
  path: string;
  params?: Param[];
  query?: Param[];
  auth: Auth;
  /** Scope the route needs (wrong-scope cases use a key without it). */
  scope?: string;
  body?: () => Record<string, unknown>;
  fields?: Record<string, FieldKind>;
  /** Items of a batch route: hostile values go into the first item; the batch answers per item. */
  batch?: "receipts" | "heartbeats";
  itemFields?: Record<string, FieldKind>;
};

export type FuzzWorld = {
  base: string;
  db: Db;
  node: Address;
  viewer: Address;
  sessionId: Hex;
  receipt: WireReceipt;
  heartbeat: Record<string, unknown>;
  /** Holds only `admin:api-keys`. */
  limitedKey: string;
  sessionsKey: string;
};

function restRoutes(w: FuzzWorld): RestRoute[] {
  const addr = w.node;
  const epoch = String(CURRENT_EPOCH - 1);
  return [
    {
      name: "sessions",
      method: "POST",
      path: "/v1/sessions",
      auth: "sessions",
      scope: "sessions:write",
      body: () => ({
        viewer: w.viewer,
        streamId: randomHex32(),
        maxBitsPerSecond: "8000000",
        notBefore: "1768046000",
        notAfter: "1768049000",
        sessionId: randomHex32(),
      }),
      fields: {
        viewer: "hexValue",
        streamId: "hexValue",
        maxBitsPerSecond: "uint",
        notBefore: "uint",
        notAfter: "uint",
        sessionId: "hexValue",
      },
    },
    {
      name: "supporters.register",
      method: "POST",
      path: "/v1/supporters",
      auth: "none",
      body: () => ({
        node: newKey().address,
        payout: addr,
        effectiveEpoch: CURRENT_EPOCH,
        nonce: "1",
        signature: `0x${"11".repeat(65)}`,
      }),
      fields: { node: "hexValue", payout: "hexValue", effectiveEpoch: "uint", nonce: "uint", signature: "hexValue" },
    },
    {
      name: "supporters.get",
      method: "GET",
      path: "/v1/supporters/:address",
      params: [{ name: "address", kind: "hexValue", value: addr }],
      auth: "none",
    },
    {
      name: "receipts",
      method: "POST",
      path: "/v1/receipts",
      auth: "none",
      batch: "receipts",
      body: () => ({ receipts: [{ ...w.receipt }] }),
      fields: { receipts: "list" },
      itemFields: {
        sessionId: "hexValue",
        supporter: "hexValue",
        viewer: "hexValue",
        seq: "uint",
        cumulativeBytes: "uint256",
        timestamp: "uint",
        signature: "hexValue",
        domain: "object",
      },
    },
    {
      name: "heartbeats",
      method: "POST",
      path: "/v1/heartbeats",
      auth: "none",
      batch: "heartbeats",
      body: () => ({ heartbeats: [{ ...w.heartbeat }] }),
      fields: { heartbeats: "list" },
      itemFields: { node: "hexValue", timestamp: "uint", signature: "hexValue" },
    },
    {
      name: "admin.rate-cards.create",
      method: "POST",
      path: "/v1/admin/rate-cards",
      auth: "admin",
      scope: "admin:rate-cards",
      body: () => ({
        effectiveEpoch: CURRENT_EPOCH + 10,
        rateMicroUsdPerGb: "50000",
        founderMultiplierBps: 11_000,
        uptimeBonusBps: 500,
      }),
      fields: { effectiveEpoch: "int", rateMicroUsdPerGb: "uint", founderMultiplierBps: "int", uptimeBonusBps: "int" },
    },
    { name: "admin.rate-cards.list", method: "GET", path: "/v1/admin/rate-cards", auth: "admin", scope: "admin:read" },
    {
      name: "admin.founder",
      method: "PUT",
      path: "/v1/admin/supporters/:address/founder",
      params: [{ name: "address", kind: "hexValue", value: addr }],
      auth: "admin",
      scope: "admin:supporters",
      body: () => ({ founder: true }),
      fields: { founder: "bool" },
    },
    {
      name: "admin.budget",
      method: "PUT",
      path: "/v1/admin/budget",
      auth: "admin",
      scope: "admin:rate-cards",
      body: () => ({ fromEpoch: CURRENT_EPOCH + 1, budgetMicroUsd: "1000000000" }),
      fields: { fromEpoch: "int", budgetMicroUsd: "uint" },
    },
    {
      name: "admin.epochs.close",
      method: "POST",
      path: "/v1/admin/epochs/:epoch/close",
      params: [{ name: "epoch", kind: "int", value: epoch }],
      auth: "admin",
      scope: "admin:epochs",
    },
    {
      name: "admin.flag-overrides.create",
      method: "POST",
      path: "/v1/admin/flag-overrides",
      auth: "admin",
      scope: "admin:flags",
      body: () => ({
        epoch: CURRENT_EPOCH - 1,
        node: addr,
        sessionId: w.sessionId,
        reasonCode: "NODE_OFFLINE",
        decision: "include",
        note: "checked by hand",
      }),
      fields: {
        epoch: "int",
        node: "hexValue",
        sessionId: "hexValue",
        reasonCode: "ident",
        decision: "enum",
        note: "text",
      },
    },
    {
      name: "admin.flag-overrides.list",
      method: "GET",
      path: "/v1/admin/flag-overrides",
      query: [{ name: "epoch", kind: "int", value: epoch }],
      auth: "admin",
      scope: "admin:read",
    },
    {
      name: "admin.api-keys.create",
      method: "POST",
      path: "/v1/admin/api-keys",
      auth: "admin",
      scope: "admin:api-keys",
      body: () => ({ name: "fuzz", scopes: ["admin:read"] }),
      fields: { name: "text", scopes: "list" },
    },
    { name: "admin.api-keys.list", method: "GET", path: "/v1/admin/api-keys", auth: "admin", scope: "admin:api-keys" },
    {
      name: "admin.api-keys.revoke",
      method: "DELETE",
      path: "/v1/admin/api-keys/:id",
      params: [{ name: "id", kind: "ident", value: "knot-a-key" }],
      auth: "admin",
      scope: "admin:api-keys",
    },
    {
      name: "admin.feature-flags.set",
      method: "PUT",
      path: "/v1/admin/feature-flags/:key",
      params: [{ name: "key", kind: "ident", value: "fuzz-flag" }],
      auth: "admin",
      scope: "admin:feature-flags",
      body: () => ({ description: "a flag", enabled: true, target: "listed", supporters: [addr] }),
      fields: { description: "text", enabled: "bool", target: "enum", supporters: "list" },
    },
    {
      name: "admin.feature-flags.list",
      method: "GET",
      path: "/v1/admin/feature-flags",
      auth: "admin",
      scope: "admin:read",
    },
    {
      name: "admin.feature-flags.delete",
      method: "DELETE",
      path: "/v1/admin/feature-flags/:key",
      params: [{ name: "key", kind: "ident", value: "no-such-flag" }],
      auth: "admin",
      scope: "admin:feature-flags",
    },
    {
      name: "feature-flags.check",
      method: "GET",
      path: "/v1/feature-flags/:key/supporters/:address",
      params: [
        { name: "key", kind: "ident", value: "fuzz-flag" },
        { name: "address", kind: "hexValue", value: addr },
      ],
      auth: "none",
    },
    {
      name: "admin.cdn-usage",
      method: "POST",
      path: "/v1/admin/cdn-usage",
      auth: "admin",
      scope: "admin:cdn-usage",
      body: () => ({ epoch: CURRENT_EPOCH, provider: "cdn-a", servedBytes: "1000" }),
      fields: { epoch: "int", provider: "ident", servedBytes: "uint256" },
    },
    {
      name: "epochs.offload",
      method: "GET",
      path: "/v1/epochs/:epoch/offload",
      params: [{ name: "epoch", kind: "int", value: epoch }],
      auth: "none",
    },
    {
      name: "admin.audit-log",
      method: "GET",
      path: "/v1/admin/audit-log",
      query: [
        { name: "action", kind: "text", value: "api_key.create" },
        { name: "limit", kind: "int", value: "10" },
        { name: "before", kind: "uint", value: "1000" },
      ],
      auth: "admin",
      scope: "admin:read",
    },
    {
      name: "epochs.dataset",
      method: "GET",
      path: "/v1/epochs/:n/dataset",
      params: [{ name: "n", kind: "int", value: "1" }],
      auth: "none",
    },
  ];
}

// ---- the catalogue of GraphQL fields -------------------------------------------------------

type GqlType = "BigInt" | "BigInt!" | "ID!" | "Bytes" | "Bytes!" | "String" | "Int" | "Boolean!";
type GqlArg = { name: string; type: GqlType; value: unknown };
type GqlField = {
  name: string;
  /** `mutation` fields are sent with the admin key; refusals must store nothing. */
  kind: "query" | "mutation";
  /** The field call with `$ARGS` where the arguments go, and its selection. */
  template: string;
  args: GqlArg[];
  /** Input objects: `input` is one argument whose fields are the `inputFields`. */
  inputType?: string;
  inputFields?: GqlArg[];
};

function gqlFields(w: FuzzWorld): GqlField[] {
  const e = String(CURRENT_EPOCH - 1);
  const page = (name: string, extra: GqlArg[], selection: string): GqlField => ({
    name,
    kind: "query",
    template: `${name}$ARGS ${selection}`,
    args: [{ name: "first", type: "Int", value: 5 }, { name: "after", type: "String", value: null }, ...extra],
  });
  return [
    { name: "epoch", kind: "query", template: "epoch$ARGS { id }", args: [{ name: "id", type: "ID!", value: "1" }] },
    {
      name: "oracleEpoch",
      kind: "query",
      template: "oracleEpoch$ARGS { status }",
      args: [{ name: "epoch", type: "BigInt!", value: e }],
    },
    {
      name: "networkMetrics",
      kind: "query",
      template: "networkMetrics$ARGS { __typename }",
      args: [{ name: "epoch", type: "BigInt!", value: e }],
    },
    {
      name: "claims",
      kind: "query",
      template: "claims$ARGS { __typename }",
      args: [
        { name: "first", type: "Int", value: 5 },
        { name: "skip", type: "Int", value: 0 },
        { name: "account", type: "Bytes", value: w.node },
        { name: "epoch", type: "BigInt", value: "1" },
      ],
    },
    page(
      "claimsConnection",
      [
        { name: "account", type: "Bytes", value: w.node },
        { name: "epoch", type: "BigInt", value: "1" },
      ],
      "{ pageInfo { hasNextPage } }",
    ),
    page("epochsConnection", [], "{ pageInfo { hasNextPage } }"),
    page("oracleEpochs", [{ name: "status", type: "String", value: "OPEN" }], "{ pageInfo { hasNextPage } }"),
    page(
      "ledgerEntries",
      [
        { name: "epoch", type: "BigInt", value: e },
        { name: "account", type: "String", value: "rewards_pool" },
        { name: "holder", type: "Bytes", value: w.node },
        { name: "kind", type: "String", value: "accrual" },
      ],
      "{ pageInfo { hasNextPage } }",
    ),
    page(
      "ledgerBalances",
      [
        { name: "kind", type: "String", value: "accrual" },
        { name: "holder", type: "Bytes", value: w.node },
        { name: "epoch", type: "BigInt", value: e },
      ],
      "{ pageInfo { hasNextPage } }",
    ),
    {
      name: "account",
      kind: "query",
      template: "account$ARGS { __typename }",
      args: [{ name: "id", type: "Bytes!", value: w.node }],
    },
    {
      name: "supporter",
      kind: "query",
      template: "supporter$ARGS { address founder }",
      args: [{ name: "address", type: "Bytes!", value: w.node }],
    },
    {
      name: "receiptInclusion",
      kind: "query",
      template: "receiptInclusion$ARGS { __typename }",
      args: [
        { name: "epoch", type: "BigInt!", value: e },
        { name: "receiptId", type: "Bytes!", value: w.sessionId },
      ],
    },
    {
      name: "flagOverrides",
      kind: "query",
      template: "flagOverrides$ARGS { id }",
      args: [{ name: "epoch", type: "BigInt!", value: e }],
    },
    page("auditLog", [{ name: "action", type: "String", value: "api_key.create" }], "{ pageInfo { hasNextPage } }"),
    {
      name: "closeEpoch",
      kind: "mutation",
      template: "closeEpoch$ARGS { epoch status }",
      args: [{ name: "epoch", type: "BigInt!", value: String(CURRENT_EPOCH + 5) }],
    },
    {
      name: "setFounder",
      kind: "mutation",
      template: "setFounder$ARGS { address founder }",
      args: [
        { name: "node", type: "Bytes!", value: w.node },
        { name: "founder", type: "Boolean!", value: false },
      ],
    },
    {
      name: "setRateCard",
      kind: "mutation",
      template: "setRateCard$ARGS { version }",
      args: [],
      inputType: "RateCardInput!",
      inputFields: [
        { name: "effectiveEpoch", type: "BigInt!", value: String(CURRENT_EPOCH + 20) },
        { name: "ratePerGbMicroUsd", type: "BigInt!", value: "50000" },
        { name: "founderMultiplierBps", type: "Int", value: 11_000 },
        { name: "uptimeBonusBps", type: "Int", value: 0 },
      ],
    },
    {
      name: "overrideFlag",
      kind: "mutation",
      template: "overrideFlag$ARGS { id }",
      args: [],
      inputType: "FlagOverrideInput!",
      inputFields: [
        { name: "epoch", type: "BigInt!", value: e },
        { name: "node", type: "Bytes!", value: w.node },
        { name: "sessionId", type: "Bytes", value: w.sessionId },
        { name: "reasonCode", type: "String", value: "NODE_OFFLINE" },
        { name: "note", type: "String", value: "checked" },
      ],
    },
  ];
}

/** Whether GraphQL must refuse `c` for an argument of `type` (literal or variable form). */
function gqlAlwaysRefused(type: GqlType, c: ValueClass, asVariable: boolean): boolean {
  const nonNull = type.endsWith("!");
  switch (c) {
    case "null":
      return nonNull;
    case "beyondSafe":
      // A literal 9007199254740993 is exact text (BigInt and ID take it); a JSON variable is refused.
      return asVariable || !(type.startsWith("BigInt") || type === "ID!");
    case "int8Overflow":
    case "hugeInteger":
    case "hex":
    case "leadingZero":
      return type !== "String";
    case "boolean":
      return type !== "Boolean!";
    default:
      return true;
  }
}

/** A GraphQL literal of `value`. */
function literal(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value === null) return "null";
  if (typeof value === "object")
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v)}`)
      .join(", ")} }`;
  return JSON.stringify(value);
}

// ---- cases ---------------------------------------------------------------------------------

export type FuzzCase =
  | { surface: "rest"; route: number; target: string; cls: ValueClass | RequestClass }
  | { surface: "graphql"; field: number; target: string; cls: ValueClass | RequestClass; asVariable: boolean };

/** Every case the catalogue allows, as an arbitrary (route/field by index, target by name). */
export function fuzzCase(w: FuzzWorld): fc.Arbitrary<FuzzCase> {
  const routes = restRoutes(w);
  const fields = gqlFields(w);
  const rest = fc.nat({ max: routes.length - 1 }).chain((route) => {
    const r = routes[route]!;
    const targets = [
      ...Object.keys(r.fields ?? {}).map((f) => `body.${f}`),
      ...Object.keys(r.itemFields ?? {}).map((f) => `item.${f}`),
      ...(r.params ?? []).map((p) => `param.${p.name}`),
      ...(r.query ?? []).map((p) => `query.${p.name}`),
    ];
    const valueCase =
      targets.length === 0
        ? []
        : [
            fc.record({
              surface: fc.constant("rest" as const),
              route: fc.constant(route),
              target: fc.constantFrom(...targets),
              cls: fc.constantFrom<ValueClass | RequestClass>(...VALUE_CLASSES),
            }),
          ];
    const requestClasses: RequestClass[] = [];
    if (r.body) requestClasses.push("unknownField", "proto");
    if (r.auth !== "none") requestClasses.push("wrongScope", "madeUpKey");
    const requestCase =
      requestClasses.length === 0
        ? []
        : [
            fc.record({
              surface: fc.constant("rest" as const),
              route: fc.constant(route),
              target: fc.constant("request"),
              cls: fc.constantFrom<ValueClass | RequestClass>(...requestClasses),
            }),
          ];
    return fc.oneof(...valueCase, ...requestCase);
  });
  const gql = fc.nat({ max: fields.length - 1 }).chain((field) => {
    const f = fields[field]!;
    const targets = [...f.args.map((a) => `arg.${a.name}`), ...(f.inputFields ?? []).map((a) => `input.${a.name}`)];
    const cases = [
      fc.record({
        surface: fc.constant("graphql" as const),
        field: fc.constant(field),
        target: fc.constantFrom(...targets),
        cls: fc.constantFrom<ValueClass | RequestClass>(...VALUE_CLASSES),
        asVariable: fc.boolean(),
      }),
    ];
    if (f.inputFields || f.kind === "mutation")
      cases.push(
        fc.record({
          surface: fc.constant("graphql" as const),
          field: fc.constant(field),
          target: fc.constant("request"),
          cls: fc.constantFrom<ValueClass | RequestClass>(
            ...(f.inputFields
              ? (["unknownField", "wrongScope", "madeUpKey"] as const)
              : (["wrongScope", "madeUpKey"] as const)),
          ),
          asVariable: fc.boolean(),
        }),
      );
    return fc.oneof(...cases);
  });
  return fc.oneof({ arbitrary: rest, weight: 3 }, { arbitrary: gql, weight: 2 });
}

/** Rows of every table the API writes, with the flags an UPDATE could flip. */
export async function storedState(db: Db): Promise<string> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT (SELECT count(*) FROM api_keys) AS api_keys,
            (SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL) AS revoked_keys,
            (SELECT count(*) FROM audit_log) AS audit_log,
            (SELECT count(*) FROM cdn_usage) AS cdn_usage,
            (SELECT count(*) FROM feature_flags) AS feature_flags,
            (SELECT count(*) FROM flag_overrides) AS flag_overrides,
            (SELECT count(*) FROM grants) AS grants,
            (SELECT count(*) FROM heartbeats) AS heartbeats,
            (SELECT count(*) FROM nodes) AS nodes,
            (SELECT count(*) FROM nodes WHERE founder) AS founders,
            (SELECT count(*) FROM payout_addresses) AS payout_addresses,
            (SELECT count(*) FROM rate_cards) AS rate_cards,
            (SELECT count(*) FROM receipts) AS receipts,
            (SELECT count(*) FROM epochs) AS epochs,
            (SELECT count(*) FROM epochs WHERE status <> 'OPEN') AS closed_epochs,
            (SELECT count(*) FROM epoch_state) AS epoch_state,
            (SELECT count(*) FROM epoch_close_requests) AS epoch_close_requests`,
  );
  return JSON.stringify(rows[0], (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

const STABLE_CODE = /^[A-Z][A-Z0-9_]{2,63}$/;
const VALUE_CODES_GRAPHQL = new Set(["BAD_USER_INPUT", "INVALID_CURSOR", "PAGE_TOO_LARGE"]);

/** Sets the URL-encoded hostile value of a path or query parameter (non-strings as their text). */
function paramText(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (v === null) return "null";
  if (Array.isArray(v)) return paramText(v[0]);
  return typeof v === "string" ? v : JSON.stringify(v);
}

type Outcome = { status: number; body: unknown; text: string };

async function send(
  w: FuzzWorld,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Outcome> {
  const res = await fetch(`${w.base}${url}`, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

let madeUp = 0;

function authHeaders(w: FuzzWorld, auth: Auth, cls: string): Record<string, string> {
  if (cls === "madeUpKey") return { authorization: `Bearer made-up-${++madeUp}` };
  if (cls === "wrongScope") return { authorization: `Bearer ${w.limitedKey}` };
  if (auth === "admin") return adminHeaders;
  if (auth === "sessions") return { authorization: `Bearer ${w.sessionsKey}` };
  return {};
}

/**
 * Runs one case; returns what broke (null when every rule held) and the stored state after it,
 * which the next case may pass as its `before` (nothing else writes between cases).
 */
export async function runFuzzCase(
  w: FuzzWorld,
  c: FuzzCase,
  knownBefore?: string,
): Promise<{ problem: string | null; state: string }> {
  const before = knownBefore ?? (await storedState(w.db));
  const { outcome, mustRefuse, expectCodes, batch } =
    c.surface === "rest" ? await restCase(w, c) : await graphqlCase(w, c);
  const after = await storedState(w.db);
  return { problem: judge(c, outcome, before, after, mustRefuse, expectCodes, batch), state: after };
}

function judge(
  c: FuzzCase,
  outcome: Outcome,
  before: string,
  after: string,
  mustRefuse: boolean,
  expectCodes: string[] | undefined,
  batch: boolean | undefined,
): string | null {
  const where = `${JSON.stringify(c)} → ${outcome.status} ${outcome.text.slice(0, 300)}`;
  if (outcome.status >= 500) return `5xx: ${where}`;
  if (c.surface === "rest") {
    const b = outcome.body as { code?: unknown; results?: { status: string; code?: string }[] } | undefined;
    if (outcome.status >= 400) {
      if (typeof b?.code !== "string" || !STABLE_CODE.test(b.code) || b.code === "INTERNAL")
        return `no stable code: ${where}`;
      if (expectCodes && !expectCodes.includes(b.code))
        return `code ${b.code}, expected ${expectCodes.join("|")}: ${where}`;
      if (after !== before) return `stored from a refused request (${before} → ${after}): ${where}`;
    } else if (batch) {
      const results = b?.results ?? [];
      const stored = results.filter((r) => r.status === "accepted" || r.code === "NON_MONOTONIC").length;
      if (mustRefuse && results.some((r) => r.status !== "rejected")) return `hostile item not rejected: ${where}`;
      const d = (s: string) => Number((JSON.parse(s) as { receipts: string }).receipts);
      if (d(after) - d(before) !== stored) return `receipts stored ≠ accepted: ${where}`;
    } else if (mustRefuse) return `accepted: ${where}`;
    return null;
  }
  const b = outcome.body as { errors?: { extensions?: { code?: unknown } }[]; data?: unknown } | undefined;
  if (!b || (b.errors === undefined && b.data === undefined)) return `not a GraphQL answer: ${where}`;
  const codes = (b.errors ?? []).map((e) => e.extensions?.code);
  for (const code of codes)
    if (typeof code !== "string" || !STABLE_CODE.test(code) || code === "INTERNAL_SERVER_ERROR")
      return `no stable code: ${where}`;
  if (codes.length > 0 && after !== before) return `stored from a refused request (${before} → ${after}): ${where}`;
  if (mustRefuse) {
    if (codes.length === 0) return `accepted: ${where}`;
    if (expectCodes && !codes.some((x) => expectCodes.includes(x as string)))
      return `codes ${codes.join(",")}, expected ${expectCodes.join("|")}: ${where}`;
  }
  return null;
}

type Sent = { outcome: Outcome; mustRefuse: boolean; expectCodes?: string[]; batch?: boolean };

async function restCase(w: FuzzWorld, c: Extract<FuzzCase, { surface: "rest" }>): Promise<Sent> {
  const r = restRoutes(w)[c.route]!;
  const body = r.body?.();
  const params = new Map((r.params ?? []).map((p) => [p.name, p.value]));
  const query: [string, string][] = (r.query ?? []).map((p) => [p.name, p.value]);
  let mustRefuse: boolean;
  let expectCodes: string[] | undefined;
  let bodyText = body === undefined ? undefined : toJson(body);
  const [part, name] = c.target.split(".") as [string, string | undefined];
  const cls = c.cls;
  if (part === "request") {
    mustRefuse = true;
    if (cls === "unknownField") {
      bodyText = toJson({ ...body, admin: true });
      expectCodes = ["VALIDATION_FAILED"];
    } else if (cls === "proto") {
      bodyText = `{"__proto__":{"admin":true},${bodyText!.slice(1)}`;
      expectCodes = ["VALIDATION_FAILED"];
    } else if (cls === "madeUpKey") expectCodes = ["UNAUTHORIZED"];
    else if (cls === "wrongScope") {
      // The limited key holds admin:api-keys: on those routes it is refused only when it escalates.
      if (r.scope === "admin:api-keys") mustRefuse = r.method === "POST";
      expectCodes = ["FORBIDDEN"];
    }
  } else {
    const vc = cls as ValueClass;
    if (part === "body") {
      const kind = r.fields![name!]!;
      bodyText = toJson({ ...body, [name!]: hostile(vc, body![name!]) });
      mustRefuse = alwaysRefused(kind, vc);
      expectCodes = ["VALIDATION_FAILED"];
    } else if (part === "item") {
      const key = r.batch!;
      const items = body![key] as Record<string, unknown>[];
      const item = { ...items[0]!, [name!]: hostile(vc, items[0]![name!]) };
      bodyText = toJson({ [key]: [item] });
      // Every item field is signed or shaped: any change rejects the item (or the whole body).
      mustRefuse = true;
      expectCodes = ["VALIDATION_FAILED"];
    } else {
      const p = [...(r.params ?? []), ...(r.query ?? [])].find((x) => x.name === name)!;
      const text = paramText(hostile(vc, p.value));
      // In a URL every value is text: an identifier takes "true", "null", "0100", "1.0" …; free text
      // anything but NUL and over-long; a uint64 parameter "9007199254740993" (exact: text).
      mustRefuse =
        p.kind === "text"
          ? vc === "nul" || vc === "overLong"
          : p.kind === "ident"
            ? vc === "nul" || vc === "overLong" || vc === "negative"
            : vc !== "array" && !(p.kind === "uint" && vc === "beyondSafe");
      if (part === "param") params.set(name!, text);
      else {
        const i = query.findIndex(([k]) => k === name);
        query[i] = [name!, text];
        if (vc === "array") {
          query.push([name!, text]); // a repeated parameter is an array
          mustRefuse = true;
        }
      }
      expectCodes = ["VALIDATION_FAILED", "NOT_FOUND"];
    }
  }
  const path = r.path.replace(/:([a-z]+)/g, (_m, n: string) => encodeURIComponent(params.get(n)!));
  const qs = query.length ? `?${query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}` : "";
  const outcome = await send(w, r.method, `${path}${qs}`, authHeaders(w, r.auth, cls), bodyText);
  return { outcome, mustRefuse, expectCodes: mustRefuse ? expectCodes : undefined, batch: r.batch !== undefined };
}

async function graphqlCase(w: FuzzWorld, c: Extract<FuzzCase, { surface: "graphql" }>): Promise<Sent> {
  const f = gqlFields(w)[c.field]!;
  const [part, name] = c.target.split(".") as [string, string | undefined];
  const args = f.args.map((a) => ({ ...a }));
  const inputFields = f.inputFields?.map((a) => ({ ...a }));
  let mustRefuse: boolean;
  let expectCodes: string[] | undefined;
  let extraInput = false;
  if (part === "request") {
    mustRefuse = true;
    if (c.cls === "unknownField") {
      extraInput = true;
      expectCodes = ["BAD_USER_INPUT"];
    } else expectCodes = c.cls === "madeUpKey" ? ["UNAUTHENTICATED"] : ["FORBIDDEN"];
  } else {
    const list = part === "arg" ? args : inputFields!;
    const a = list.find((x) => x.name === name)!;
    a.value = hostile(c.cls as ValueClass, a.value);
    mustRefuse = gqlAlwaysRefused(a.type, c.cls as ValueClass, c.asVariable);
    expectCodes = [...VALUE_CODES_GRAPHQL];
  }
  // Literal form: every argument inline. Variable form: every argument a variable.
  const variables: Record<string, unknown> = {};
  const defs: string[] = [];
  const argText = (a: GqlArg) => {
    if (!c.asVariable) return `${a.name}: ${literal(a.value)}`;
    defs.push(`$${a.name}: ${a.type}`);
    variables[a.name] = a.value;
    return `${a.name}: $${a.name}`;
  };
  const parts = args.map(argText);
  if (inputFields) {
    const obj: Record<string, unknown> = Object.fromEntries(inputFields.map((a) => [a.name, a.value]));
    if (f.name === "overrideFlag") obj.decision = c.asVariable ? "include" : new Raw("include");
    if (extraInput) obj.admin = true;
    if (c.asVariable) {
      defs.push(`$input: ${f.inputType!}`);
      variables.input = obj;
      parts.push("input: $input");
    } else parts.push(`input: ${literal(obj)}`);
  }
  const call = f.template.replace("$ARGS", parts.length ? `(${parts.join(", ")})` : "");
  const query = `${f.kind}${defs.length ? `(${defs.join(", ")})` : ""} { ${call} }`;
  const headers =
    c.cls === "madeUpKey" || c.cls === "wrongScope"
      ? authHeaders(w, "admin", c.cls)
      : f.kind === "mutation" || ["flagOverrides", "auditLog"].includes(f.name)
        ? adminHeaders
        : {};
  const outcome = await send(w, "POST", "/graphql", headers, toJson({ query, variables }));
  // A made-up key or the wrong scope matters only where a key is needed.
  if (
    (c.cls === "madeUpKey" || c.cls === "wrongScope") &&
    f.kind === "query" &&
    !["flagOverrides", "auditLog"].includes(f.name)
  )
    mustRefuse = false;
  return { outcome, mustRefuse, expectCodes: mustRefuse ? expectCodes : undefined };
}

// ---- the world -----------------------------------------------------------------------------

/** Prepares a listening app's data for fuzzing: a node, a session, one stored receipt, two keys. */
export async function prepareFuzzWorld(app: FastifyInstance, db: Db, base: string): Promise<FuzzWorld> {
  const node = newKey();
  const viewer = newKey();
  const reg = await register(app, node, newKey().address);
  if (reg.statusCode !== 201) throw new Error(`register failed: ${reg.statusCode} ${reg.body}`);
  const sessionId = await grant(app, viewer.address);
  const receipt = signedReceipt(viewer, { sessionId, supporter: node.address, seq: 1n, cumulativeBytes: 1_000n });
  await app.inject({ method: "POST", url: "/v1/receipts", payload: { receipts: [receipt] } });
  const mint = async (scopes: string[]) => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/admin/api-keys",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      payload: { name: scopes.join(","), scopes },
    });
    if (res.statusCode !== 201) throw new Error(`api key: ${res.statusCode} ${res.body}`);
    return res.json<{ key: string }>().key;
  };
  return {
    base,
    db,
    node: node.address,
    viewer: viewer.address,
    sessionId,
    receipt,
    heartbeat: signedHeartbeat(node),
    limitedKey: await mint(["admin:api-keys"]),
    sessionsKey: await mint(["sessions:write"]),
  };
}

/** Every case of the catalogue once (each target × each class, both GraphQL forms): the runner's first pass. */
export function allFuzzCases(w: FuzzWorld): FuzzCase[] {
  const out: FuzzCase[] = [];
  restRoutes(w).forEach((r, route) => {
    const targets = [
      ...Object.keys(r.fields ?? {}).map((f) => `body.${f}`),
      ...Object.keys(r.itemFields ?? {}).map((f) => `item.${f}`),
      ...(r.params ?? []).map((p) => `param.${p.name}`),
      ...(r.query ?? []).map((p) => `query.${p.name}`),
    ];
    for (const target of targets) for (const cls of VALUE_CLASSES) out.push({ surface: "rest", route, target, cls });
    if (r.body)
      for (const cls of ["unknownField", "proto"] as const)
        out.push({ surface: "rest", route, target: "request", cls });
    if (r.auth !== "none")
      for (const cls of ["wrongScope", "madeUpKey"] as const)
        out.push({ surface: "rest", route, target: "request", cls });
  });
  gqlFields(w).forEach((f, field) => {
    const targets = [...f.args.map((a) => `arg.${a.name}`), ...(f.inputFields ?? []).map((a) => `input.${a.name}`)];
    for (const asVariable of [false, true]) {
      for (const target of targets)
        for (const cls of VALUE_CLASSES) out.push({ surface: "graphql", field, target, cls, asVariable });
      const request: RequestClass[] = [];
      if (f.inputFields) request.push("unknownField");
      if (f.kind === "mutation") request.push("wrongScope", "madeUpKey");
      for (const cls of request) out.push({ surface: "graphql", field, target: "request", cls, asVariable });
    }
  });
  return out;
}
