/**
 * Which GraphQL operations the response cache (response-cache.ts) may keep: queries whose every
 * field is in `CACHEABLE_FIELDS`. Each listed field is answered from tables that notify the
 * cache when they change (migration 0024) — nodes, payout_addresses, chain_claims,
 * epoch_statements, epoch_leaves and the epoch lifecycle tables — and its answer depends on no
 * caller identity. Anything else (receipts, sessions, proofs, unpriced bytes, auditor and admin
 * fields) is never cached: adding a field here is a claim about where its data comes from.
 */
import {
  BREAK,
  OperationTypeNode,
  TypeInfo,
  getNamedType,
  getOperationAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from "graphql";

const ALL = "*";

export const CACHEABLE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Query: ["supporter"],
  // `account` and `claims` read chain_claims and chain accounts by the supporter's own address;
  // `receipts`, `sessions`, `flaggedReceipts`, `proof`, `uptime` and `totals.unpricedBytes` read
  // live or file-backed data the feed does not cover.
  Supporter: ["address", "founder", "nodes", "payoutAccounts", "statements", "totals"],
  Node: ["address", "founder", "registeredAt", "payoutAddresses"],
  PayoutAddress: [ALL],
  LifecycleTotals: [
    "accruedMicroUsd",
    "committedMicroUsd",
    "claimableMicroUsd",
    "claimedMicroUsd",
    "entitledMicroUsd",
    "accruedThroughEpoch",
    "committedEpoch",
    "committedValidAt",
    "finalizedEpoch",
  ],
  StatementConnection: [ALL],
  StatementEdge: [ALL],
  PageInfo: [ALL],
  Statement: [ALL],
  WithheldLine: [ALL],
  Fraction: [ALL],
};

const allowed = (type: string, field: string): boolean => {
  if (field === "__typename") return true;
  const fields = CACHEABLE_FIELDS[type];
  return fields !== undefined && (fields.includes(ALL) || fields.includes(field));
};

/** Results by document (documents are cached objects) and operation name. */
const verdicts = new WeakMap<DocumentNode, Map<string, boolean>>();

/** Whether the response of this operation may be cached. */
export function isCacheableOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
): boolean {
  let byName = verdicts.get(document);
  if (!byName) verdicts.set(document, (byName = new Map<string, boolean>()));
  const key = operationName ?? "";
  let verdict = byName.get(key);
  if (verdict === undefined) {
    verdict = analyse(schema, document, operationName);
    byName.set(key, verdict);
  }
  return verdict;
}

function analyse(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): boolean {
  const op = getOperationAST(document, operationName ?? undefined);
  if (!op || op.operation !== OperationTypeNode.QUERY) return false;
  const typeInfo = new TypeInfo(schema);
  let ok = true;
  // Every field of the document (the operation and all fragments: a superset of what executes).
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        if (node !== op) return false; // another operation of the document: not executed
        return undefined;
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || !allowed(getNamedType(parent).name, node.name.value)) {
          ok = false;
          return BREAK;
        }
        return undefined;
      },
      Directive(node) {
        // @skip/@include change only which listed fields run; anything else is unknown here.
        if (node.name.value !== "skip" && node.name.value !== "include") {
          ok = false;
          return BREAK;
        }
        return undefined;
      },
    }),
  );
  return ok;
}
