/**
 * Parity between the subgraph's entities and the API's GraphQL types for the same on-chain data:
 * test/parity.json lists the names (and meanings) both must share. The subgraph side is always
 * checked; the API side as soon as read-api/graphql/schema.graphql exists.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Kind, parse, type DocumentNode, type TypeNode } from "graphql";

const SUBGRAPH = fileURLToPath(new URL("../", import.meta.url));
const API_SCHEMA = fileURLToPath(new URL("../../read-api/graphql/schema.graphql", import.meta.url));

type Parity = {
  scalars: Record<string, string>;
  enums: Record<string, string[]>;
  queries: Record<string, string>;
  types: Record<string, Record<string, { type: string; meaning: string }>>;
};
const parity = JSON.parse(readFileSync(`${SUBGRAPH}test/parity.json`, "utf8")) as Parity;

/** A type reference's shape without nullability: `[Bytes]`, `Epoch`. */
function shape(t: TypeNode): string {
  if (t.kind === Kind.NON_NULL_TYPE) return shape(t.type);
  if (t.kind === Kind.LIST_TYPE) return `[${shape(t.type)}]`;
  return t.name.value;
}
/** The shape of a type written in SDL (`"[Bytes!]!"` → `[Bytes]`). */
function shapeOf(sdl: string): string {
  const def = parse(`type X { f: ${sdl} }`).definitions[0];
  if (def?.kind !== Kind.OBJECT_TYPE_DEFINITION || !def.fields?.[0]) throw new Error(`not a type: ${sdl}`);
  return shape(def.fields[0].type);
}

type Found = {
  objects: Map<string, Map<string, { type: TypeNode; description?: string }>>;
  enums: Map<string, string[]>;
  scalars: Set<string>;
};
function index(doc: DocumentNode): Found {
  const found: Found = { objects: new Map(), enums: new Map(), scalars: new Set() };
  for (const def of doc.definitions) {
    if (
      def.kind === Kind.OBJECT_TYPE_DEFINITION ||
      def.kind === Kind.OBJECT_TYPE_EXTENSION ||
      def.kind === Kind.INTERFACE_TYPE_DEFINITION
    ) {
      const fields = found.objects.get(def.name.value) ?? new Map();
      for (const f of def.fields ?? []) fields.set(f.name.value, { type: f.type, description: f.description?.value });
      found.objects.set(def.name.value, fields);
    } else if (def.kind === Kind.ENUM_TYPE_DEFINITION) {
      found.enums.set(
        def.name.value,
        (def.values ?? []).map((v) => v.name.value),
      );
    } else if (def.kind === Kind.SCALAR_TYPE_DEFINITION) {
      found.scalars.add(def.name.value);
    }
  }
  return found;
}

/** Every way `schema` departs from parity.json (empty when they agree). */
export function parityErrors(sdl: string, side: "subgraph" | "api"): string[] {
  const found = index(parse(sdl));
  const errors: string[] = [];
  for (const [type, fields] of Object.entries(parity.types)) {
    const have = found.objects.get(type);
    if (!have) {
      errors.push(`${side}: type ${type} is missing`);
      continue;
    }
    for (const [field, { type: expected }] of Object.entries(fields)) {
      const f = have.get(field);
      if (!f) errors.push(`${side}: ${type}.${field} is missing`);
      else if (shape(f.type) !== shapeOf(expected))
        errors.push(`${side}: ${type}.${field} is ${shape(f.type)}, parity.json says ${expected}`);
    }
  }
  for (const [name, values] of Object.entries(parity.enums)) {
    const have = found.enums.get(name);
    if (!have) errors.push(`${side}: enum ${name} is missing`);
    else for (const v of values) if (!have.includes(v)) errors.push(`${side}: enum ${name} lacks ${v}`);
  }
  if (side === "api") {
    // graph-node declares these scalars itself; a standalone API schema must declare them.
    for (const scalar of Object.keys(parity.scalars))
      if (!found.scalars.has(scalar)) errors.push(`api: scalar ${scalar} is not declared`);
    const query = found.objects.get("Query");
    for (const [field, returns] of Object.entries(parity.queries)) {
      const f = query?.get(field);
      if (!f) errors.push(`api: Query.${field} is missing`);
      else if (shape(f.type) !== shapeOf(returns))
        errors.push(`api: Query.${field} returns ${shape(f.type)}, expected ${returns}`);
    }
  } else {
    // graph-node generates `x` (by id) and `xs` (lists) for each entity: the query names must
    // belong to entities of the subgraph.
    for (const [field, returns] of Object.entries(parity.queries)) {
      const entity = shapeOf(returns).replace(/[[\]]/g, "");
      if (!found.objects.has(entity))
        errors.push(`subgraph: Query.${field} would return ${entity}, which is not an entity`);
    }
  }
  return errors;
}

describe("parity of on-chain types between the subgraph and the API", () => {
  const subgraphSdl = readFileSync(`${SUBGRAPH}schema.graphql`, "utf8");

  it("the subgraph schema has every shared type, field and enum value", () => {
    assert.deepEqual(parityErrors(subgraphSdl, "subgraph"), []);
  });

  it("every subgraph entity field carries a description (the meaning an API field must keep)", () => {
    const undocumented = [...index(parse(subgraphSdl)).objects].flatMap(([type, fields]) =>
      [...fields].filter(([, f]) => !f.description).map(([name]) => `${type}.${name}`),
    );
    assert.deepEqual(undocumented, []);
  });

  it("read-api/graphql/schema.graphql (once it exists) reuses the same names and shapes", (t) => {
    if (!existsSync(API_SCHEMA)) {
      t.diagnostic("read-api/graphql/schema.graphql does not exist yet: only the subgraph side was checked");
      return;
    }
    assert.deepEqual(parityErrors(readFileSync(API_SCHEMA, "utf8"), "api"), []);
  });

  it("the check catches a renamed field, a changed shape, a missing enum value and a missing query", () => {
    const broken = subgraphSdl
      .replace("amountMicroUsd: BigInt!", "amount: BigInt!")
      .replace("signers: [Bytes!]!", "signers: Bytes!")
      .replace(/\n  Vetoed\n/, "\n  Revoked\n");
    const errors = parityErrors(broken, "subgraph");
    assert.ok(
      errors.some((e) => e.includes("Claim.amountMicroUsd is missing")),
      errors.join("\n"),
    );
    assert.ok(
      errors.some((e) => e.includes("Epoch.signers is Bytes")),
      errors.join("\n"),
    );
    assert.ok(
      errors.some((e) => e.includes("enum EpochStatus lacks Vetoed")),
      errors.join("\n"),
    );
    const api = `scalar Bytes\nscalar BigInt\n${subgraphSdl.replace(/@\w+(\([^)]*\))?/g, "")}\ntype Query { epoch(id: ID!): Epoch }`;
    const apiErrors = parityErrors(api, "api");
    assert.ok(
      apiErrors.some((e) => e === "api: Query.epochs is missing"),
      apiErrors.join("\n"),
    );
    assert.ok(!apiErrors.some((e) => e.includes("Query.epoch ")), apiErrors.join("\n"));
  });
});
