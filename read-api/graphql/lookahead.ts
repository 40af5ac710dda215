/**
 * Look-ahead for `supporter(address)`: when its selection asks for the newest statements (one
 * `statements` field without `after` or `epoch`), the supporter's first read fetches them too,
 * so the whole earnings query is one PostgreSQL round trip. Anything else (fragments, several
 * `statements` fields, cursors, invalid arguments) is left to the field's own resolver.
 */
import { getArgumentValues, isObjectType, Kind, type GraphQLResolveInfo } from "graphql";
import { pageArgs } from "../../http/graphql/pagination.ts";

/** The `limit + 1` rows `Supporter.statements` will ask for, or 0 when it is not prefetchable. */
export function prefetchedStatementsLimit(info: GraphQLResolveInfo): number {
  const type = info.schema.getType("Supporter");
  const field = isObjectType(type) ? type.getFields().statements : undefined;
  if (!field) return 0;
  const selections = info.fieldNodes.flatMap((n) => n.selectionSet?.selections ?? []);
  const fields = selections.filter((s) => s.kind === Kind.FIELD && s.name.value === "statements");
  if (fields.length !== 1 || fields[0]!.kind !== Kind.FIELD) return 0;
  try {
    const args = getArgumentValues(field, fields[0]!, info.variableValues) as {
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
