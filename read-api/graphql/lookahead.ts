/**
 * Look-ahead for `supporter(address)`: when its selection asks for the newest statements (one
 * `statements` field without `after` or `epoch`), the supporter's first read fetches them too,
 * so the whole earnings query is one PostgreSQL round trip. Anything else (fragments, several
 * `statements` fields, cursors, invalid arguments) is left to the field's own resolver.
 */
import { getArgumentValues, isObjectType, Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import { pageArgs } from "../../http/graphql/pagination.ts";
import { STATEMENT_FIGURE_FIELDS } from "../repositories/statements.ts";

/** The one `statements` field of the `supporter` selection, if there is exactly one. */
function statementsField(info: GraphQLResolveInfo) {
  const selections = info.fieldNodes.flatMap((n) => n.selectionSet?.selections ?? []);
  const fields = selections.filter((s) => s.kind === Kind.FIELD && s.name.value === "statements");
  return fields.length === 1 && fields[0]!.kind === Kind.FIELD ? fields[0] : undefined;
}

/** Whether a selection set is plain fields (no fragments) whose names `allowed` approves. */
function onlyFields(set: SelectionSetNode | undefined, allowed: (name: string, set?: SelectionSetNode) => boolean) {
  return (set?.selections ?? []).every(
    (s) => s.kind === Kind.FIELD && (s.name.value === "__typename" || allowed(s.name.value, s.selectionSet)),
  );
}

const PAGE_INFO_FIELDS = new Set(["hasNextPage", "endCursor"]);

/**
 * Whether the prefetched statements need only the figures the read projection holds
 * (`STATEMENT_FIGURE_FIELDS`, with the edges' cursors and page info): then they are read from it.
 */
export function statementsFiguresOnly(info: GraphQLResolveInfo): boolean {
  const field = statementsField(info);
  return (
    field !== undefined &&
    onlyFields(field.selectionSet, (name, set) =>
      name === "edges"
        ? onlyFields(
            set,
            (n, s) => n === "cursor" || (n === "node" && onlyFields(s, (f) => STATEMENT_FIGURE_FIELDS.has(f))),
          )
        : name === "pageInfo" && onlyFields(set, (n) => PAGE_INFO_FIELDS.has(n)),
    )
  );
}

/** The `limit + 1` rows `Supporter.statements` will ask for, or 0 when it is not prefetchable. */
export function prefetchedStatementsLimit(info: GraphQLResolveInfo): number {
  const type = info.schema.getType("Supporter");
  const field = isObjectType(type) ? type.getFields().statements : undefined;
  const node = statementsField(info);
  if (!field || !node) return 0;
  try {
    const args = getArgumentValues(field, node, info.variableValues) as {
      first?: number | null;
      after?: string | null;
      epoch?: unknown;
    };
    if (args.after || (args.epoch !== null && args.epoch !== undefined)) return 0;
    return pageArgs(args.first ?? 20).limit + 1;
  } catch {
    return 0;
  }
}
