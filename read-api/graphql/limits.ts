/**
 * Query depth and cost limits as GraphQL validation rules: a query that would be too deep or
 * too costly is refused before anything runs (QUERY_TOO_DEEP, QUERY_TOO_COMPLEX).
 *
 * Cost: every field costs 1, and a field taking `first` multiplies the cost of its selection
 * by `first` (a variable counts as the maximum page size; a missing `first` as the field's
 * default). A root field (of Query, Mutation or Subscription) costs ROOT_FIELD_COST more: each
 * runs its own database reads. Every selection counts, so aliases and repeated fields each pay
 * (1 000 aliases of `reconciliation` are refused, not run). Introspection fields (`__schema`,
 * `__type`, …) are free, so GraphiQL works.
 */
import {
  getNamedType,
  isObjectType,
  isInterfaceType,
  Kind,
  OperationTypeNode,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import { userError } from "../../http/graphql/errors.ts";
import { MAX_PAGE_SIZE } from "../../http/graphql/pagination.ts";

export type QueryLimits = { maxDepth: number; maxCost: number };
export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 8, maxCost: 20_000 };
/** What a root field costs beyond its selection: at most 20 000 / 100 = 200 root fields per query. */
export const ROOT_FIELD_COST = 100;

type Measure = { depth: number; cost: number };

function measure(
  set: SelectionSetNode,
  parent: GraphQLNamedType | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  context: ValidationContext,
  visiting: Set<string>,
  root = false,
): Measure {
  let depth = 0;
  let cost = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith("__")) continue;
      const fieldDef =
        parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[sel.name.value] : undefined;
      let multiplier = 1;
      const firstDef = fieldDef?.args.find((a) => a.name === "first");
      if (firstDef) {
        const arg = sel.arguments?.find((a) => a.name.value === "first");
        if (!arg) multiplier = typeof firstDef.defaultValue === "number" ? firstDef.defaultValue : MAX_PAGE_SIZE;
        else if (arg.value.kind === Kind.INT) multiplier = Number(arg.value.value);
        else multiplier = MAX_PAGE_SIZE;
        multiplier = Math.max(1, Math.min(multiplier, MAX_PAGE_SIZE));
      }
      const child = sel.selectionSet
        ? measure(sel.selectionSet, fieldDef ? getNamedType(fieldDef.type) : undefined, fragments, context, visiting)
        : { depth: 0, cost: 0 };
      depth = Math.max(depth, child.depth + 1);
      cost += (root ? ROOT_FIELD_COST : 1) + multiplier * child.cost;
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const type = sel.typeCondition ? context.getSchema().getType(sel.typeCondition.name.value) : parent;
      const m = measure(sel.selectionSet, type, fragments, context, visiting, root);
      depth = Math.max(depth, m.depth);
      cost += m.cost;
    } else {
      const frag = fragments.get(sel.name.value);
      if (!frag || visiting.has(frag.name.value)) continue; // cycles are reported by NoFragmentCycles
      visiting.add(frag.name.value);
      const type = context.getSchema().getType(frag.typeCondition.name.value);
      const m = measure(frag.selectionSet, type, fragments, context, visiting, root);
      visiting.delete(frag.name.value);
      depth = Math.max(depth, m.depth);
      cost += m.cost;
    }
  }
  return { depth, cost };
}

/** A validation rule enforcing `limits` on every operation of the document. */
export function queryLimitsRule(limits: QueryLimits = DEFAULT_LIMITS) {
  return (context: ValidationContext): ASTVisitor => ({
    Document: {
      leave(doc) {
        const fragments = new Map<string, FragmentDefinitionNode>();
        for (const def of doc.definitions)
          if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
        for (const def of doc.definitions) {
          if (def.kind !== Kind.OPERATION_DEFINITION) continue;
          const root: GraphQLCompositeType | undefined | null =
            def.operation === OperationTypeNode.QUERY
              ? context.getSchema().getQueryType()
              : def.operation === OperationTypeNode.MUTATION
                ? context.getSchema().getMutationType()
                : context.getSchema().getSubscriptionType();
          const m = measure(def.selectionSet, root ?? undefined, fragments, context, new Set(), true);
          if (m.depth > limits.maxDepth)
            context.reportError(
              userError("QUERY_TOO_DEEP", `Query depth ${m.depth} exceeds the maximum of ${limits.maxDepth}.`, {
                depth: m.depth,
                maxDepth: limits.maxDepth,
              }),
            );
          if (m.cost > limits.maxCost)
            context.reportError(
              userError("QUERY_TOO_COMPLEX", `Query cost ${m.cost} exceeds the maximum of ${limits.maxCost}.`, {
                cost: m.cost,
                maxCost: limits.maxCost,
              }),
            );
        }
      },
    },
  });
}
