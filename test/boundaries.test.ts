/**
 * Enforces the house's shape (issue 17): the rooms of ../shared/DESIGN.md import one way, and SQL
 * lives only in repositories.
 *
 * Layers, lowest first — a production file may import only its own room and the rooms listed
 * for it:
 *
 *   core         pure domain logic              (nothing of the project)
 *   db           connection, migrations, locks  core
 *   chain        ABIs, clients, log scanner     core
 *   events       live ledger events (pub/sub)   core
 *   http         the HTTP shell (auth, errors)  core, db
 *   coordinator  ingest, registry, admin        core, db, http
 *   oracle       the epoch state machine        core, db, chain
 *   indexer      the chain indexer              core, db, chain, events
 *   read-api     GraphQL, datasets, dashboard   core, db, chain, events, http
 *   relayer      gasless claimWithSig service   core, chain
 *   server       the composition root           every room but the oracle
 *   scripts, bench, test                        anything
 *
 * The coordinator, oracle, indexer and read API never import each other. Tests (`*.test.ts`)
 * and test helpers (`testing/` folders, `*testing.ts`) are the harness and may import any room.
 */
import { describe, it } from "node:test";
import { globSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  db: ["core"],
  chain: ["core"],
  events: ["core"],
  http: ["core", "db"],
  coordinator: ["core", "db", "http"],
  oracle: ["core", "db", "chain"],
  indexer: ["core", "db", "chain", "events"],
  "read-api": ["core", "db", "chain", "events", "http"],
  relayer: ["core", "chain"],
  server: ["core", "db", "chain", "events", "http", "coordinator", "indexer", "read-api"],
};
const ROOMS = Object.keys(ALLOWED);

/** Where SQL may be written: repositories, and db/ (which is the repository of its own tables). */
const SQL_HOMES = /(^db\/|\/repositories\/)/;
const SQL = /\b(SELECT\s+[\w*(]|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|CREATE\s+TABLE|pg_advisory)/;

export type Violation = { file: string; line: number; why: string };

function isHarness(file: string): boolean {
  return /(\.test|(^|[/-])testing)\.ts$/.test(file) || file.split("/").includes("testing");
}

function roomOf(file: string): string | undefined {
  const top = file.split("/")[0]!;
  return ROOMS.includes(top) ? top : undefined;
}

/** The violations in one production source (a path relative to the root, and its text). */
export function violationsOf(file: string, text: string): Violation[] {
  const room = roomOf(file);
  if (!room || isHarness(file)) return [];
  const out: Violation[] = [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1;
  for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
    if (!imported.fileName.startsWith(".")) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), imported.fileName));
    const targetRoom = target.split("/")[0]!;
    if (targetRoom === room) continue;
    if (!ALLOWED[room]!.includes(targetRoom)) {
      out.push({ file, line: lineOf(imported.pos), why: `${room}/ imports ${target}` });
    }
  }
  if (!SQL_HOMES.test(file)) {
    const visit = (node: ts.Node) => {
      if (
        (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node)) &&
        SQL.test(node.text)
      ) {
        out.push({ file, line: lineOf(node.getStart(source)), why: "SQL outside a repository" });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

function productionSources(): string[] {
  return ROOMS.flatMap((room) => globSync(`${room}/**/*.ts`, { cwd: ROOT })).filter((f) => !isHarness(f));
}

describe("the house's boundaries", () => {
  it("no room imports a room above it or beside it, and SQL stays in repositories", () => {
    const files = productionSources();
    expect(files.length).to.be.greaterThan(100);
    const violations = files.flatMap((f) => violationsOf(f, readFileSync(path.join(ROOT, f), "utf8")));
    expect(violations.map((v) => `${v.file}:${v.line} ${v.why}`)).to.deep.equal([]);
  });

  it("catches a forbidden import: core reaching up, rooms reaching sideways", () => {
    expect(violationsOf("core/earnings.ts", 'import { x } from "../oracle/run-epoch.ts";')).to.deep.equal([
      { file: "core/earnings.ts", line: 1, why: "core/ imports oracle/run-epoch.ts" },
    ]);
    expect(
      violationsOf("oracle/stages/post.ts", 'import { x } from "../../coordinator/services/admin.ts";'),
    ).to.have.length(1);
    expect(violationsOf("read-api/graphql/x.ts", 'const m = await import("../../oracle/cli.ts");')).to.have.length(1);
    expect(violationsOf("indexer/sync.ts", 'export * from "../read-api/graphql/events.ts";')).to.have.length(1);
    expect(violationsOf("coordinator/services/x.ts", 'import type { T } from "../../indexer/sync.ts";')).to.have.length(
      1,
    );
    // allowed: downward, and the harness
    expect(violationsOf("oracle/stages/post.ts", 'import { x } from "../../chain/client.ts";')).to.deep.equal([]);
    expect(violationsOf("oracle/run-epoch.test.ts", 'import { x } from "../server/app.ts";')).to.deep.equal([]);
  });

  it("catches SQL written outside a repository", () => {
    const found = violationsOf("oracle/leader.ts", "await client.query(`SELECT pg_try_advisory_lock($1)`);");
    expect(found.map((v) => v.why)).to.deep.equal(["SQL outside a repository"]);
    expect(violationsOf("oracle/repositories/leader.ts", 'await db.query("SELECT 1");')).to.deep.equal([]);
    expect(violationsOf("coordinator/services/x.ts", 'throw new Error("select a rate card");')).to.deep.equal([]);
  });
});
