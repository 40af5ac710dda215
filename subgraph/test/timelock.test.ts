/**
 * The timelock data source's compiled mappings (build/RewardsTimelock/RewardsTimelock.wasm) in the
 * offline harness over every log of a real RewardsTimelock on Hardhat's in-process network — the
 * RewardsDistributor's admin, as in production: role grants scheduled and executed after the min
 * delay, a dispute-window change cancelled by the guardian, an oracle signer's addition and an
 * undecodable call left pending. The entities are checked against the events and against the
 * timelock's own view functions.
 *
 * Needs the subgraph build: `npm ci --prefix subgraph && npm --prefix subgraph run build`.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import type { Abi, AbiEvent, Hex } from "viem";
import { decodeEventLog, zeroAddress } from "viem";
import { parse as parseYaml } from "yaml";
import {
  deployGoverned,
  grantRolesThroughTimelock,
  ROLE,
  scheduleChanges,
  TIMELOCK_MIN_DELAY,
  type Governed,
} from "../../indexer/governance-testing.ts";
import { BUILD_COMMAND, MappingHarness, type ChainEvent, type PlainEntity } from "./harness.ts";

const SUBGRAPH = fileURLToPath(new URL("../", import.meta.url));
const WASM = `${SUBGRAPH}build/RewardsTimelock/RewardsTimelock.wasm`;
const BUILT_ABI = `${SUBGRAPH}build/RewardsTimelock/RewardsTimelock.json`;
const BUILT_MANIFEST = `${SUBGRAPH}build/subgraph.yaml`;

function readBuilt(path: string): string {
  if (!existsSync(path)) throw new Error(`subgraph build output ${path} is missing: run \`${BUILD_COMMAND}\` first`);
  return readFileSync(path, "utf8");
}
const lower = (a: string) => a.toLowerCase();
const signature = (e: AbiEvent) =>
  `${e.name}(${e.inputs.map((p) => `${p.indexed ? "indexed " : ""}${p.type}`).join(",")})`;

describe("timelock mappings over a real RewardsTimelock history", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let g: Governed;
  let h: MappingHarness;
  let grants: Awaited<ReturnType<typeof grantRolesThroughTimelock>>;
  let changes: Awaited<ReturnType<typeof scheduleChanges>>;
  const handled: string[] = [];

  before(async () => {
    h = MappingHarness.load(WASM);
    const abi = JSON.parse(readBuilt(BUILT_ABI)) as Abi;
    const manifest = parseYaml(readBuilt(BUILT_MANIFEST)) as {
      dataSources: { name: string; mapping: { eventHandlers: { event: string; handler: string }[] } }[];
    };
    const handlers = new Map(
      manifest.dataSources
        .find((d) => d.name === "RewardsTimelock")!
        .mapping.eventHandlers.map((x) => [x.event, x.handler]),
    );
    conn = await network.create();
    g = await deployGoverned(conn);
    grants = await grantRolesThroughTimelock(g);
    changes = await scheduleChanges(g);
    await g.elapse(TIMELOCK_MIN_DELAY);
    await g.execute(changes.addSigner, changes.salt);

    const logs = await g.publicClient.getLogs({ address: g.timelock.address, fromBlock: 0n });
    for (const log of logs) {
      const decoded = decodeEventLog({ abi, data: log.data, topics: log.topics });
      const abiEvent = abi.find((i): i is AbiEvent => i.type === "event" && i.name === decoded.eventName)!;
      const handler = handlers.get(signature(abiEvent));
      if (!handler) continue;
      const block = await g.publicClient.getBlock({ blockHash: log.blockHash });
      const transaction = await g.publicClient.getTransaction({ hash: log.transactionHash });
      const event: ChainEvent = {
        abiEvent,
        args: decoded.args as Record<string, unknown>,
        address: log.address,
        logIndex: log.logIndex,
        transactionLogIndex: log.logIndex,
        block: { ...block, hash: block.hash, number: block.number, miner: block.miner },
        transaction: { ...transaction, transactionIndex: transaction.transactionIndex },
      };
      h.handle(handler, event);
      handled.push(decoded.eventName);
    }
  });
  after(async () => {
    await conn?.provider.close();
  });

  const one = (type: string, id: string): PlainEntity => {
    const e = h.entity(type, lower(id));
    assert.ok(e, `${type} ${id} exists`);
    return e;
  };

  it("handled the timelock's schedules, salts, executions, cancellation, delay and role grants", () => {
    const count = (name: string) => handled.filter((n) => n === name).length;
    assert.equal(count("CallScheduled"), 4 + 1 + 1 + 1);
    assert.equal(count("CallSalt"), 1);
    assert.equal(count("CallExecuted"), 4 + 1);
    assert.equal(count("Cancelled"), 1);
    assert.equal(count("MinDelayChange"), 1);
    assert.equal(count("RoleGranted"), 5);
  });

  it("Timelock: the min delay equals getMinDelay(); four operations scheduled", async () => {
    const t = one("Timelock", g.timelock.address);
    assert.equal(t.minDelaySeconds, await g.timelock.read.getMinDelay());
    assert.equal(t.operationCount, 4);
  });

  it("TimelockOperation: DONE, CANCELLED and PENDING as the timelock's own isOperationDone / getOperationState say", async () => {
    const done = one("TimelockOperation", grants.id);
    assert.equal(done.status, "DONE");
    assert.equal(await g.timelock.read.isOperationDone([grants.id]), true);
    assert.equal(done.executedTransactionHash, lower(grants.executed.transactionHash));
    assert.equal(done.timelock, lower(g.timelock.address));
    assert.equal((done.readyAt as bigint) - (done.scheduledAt as bigint), TIMELOCK_MIN_DELAY);
    const calls = [0, 1, 2, 3].map((i) => {
      const le = Buffer.alloc(4);
      le.writeInt32LE(i);
      return one("TimelockCall", `${grants.id}${le.toString("hex")}`);
    });
    assert.deepEqual(
      calls.map((c) => [c.operation, c.index, c.target]),
      [
        [lower(grants.id), 0n, lower(g.distributor.address)],
        [lower(grants.id), 1n, lower(g.distributor.address)],
        [lower(grants.id), 2n, lower(g.distributor.address)],
        [lower(grants.id), 3n, lower(g.timelock.address)],
      ],
    );

    const cancelled = one("TimelockOperation", changes.cancelled.id);
    assert.equal(cancelled.status, "CANCELLED");
    assert.equal(await g.timelock.read.getOperationState([changes.cancelled.id]), 0); // Unset after cancel

    const executed = one("TimelockOperation", changes.pending.id);
    assert.equal(executed.status, "DONE");
    assert.equal(executed.salt, changes.salt);

    const opaque = one("TimelockOperation", changes.opaque.id);
    assert.equal(opaque.status, "PENDING"); // READY on-chain: the subgraph has no clock
    assert.equal(await g.timelock.read.isOperationReady([changes.opaque.id]), true);
    assert.equal(opaque.readyAt, await g.timelock.read.getTimestamp([changes.opaque.id]));
    assert.equal(opaque.salt ?? null, null); // salt zero: no CallSalt
    const le = Buffer.alloc(4);
    assert.equal(one("TimelockCall", `${changes.opaque.id}${le.toString("hex")}`).data, changes.unknown[0]!.data);
  });

  it("RoleHolder: the timelock's own roles (proposer, cancellers, anyone as executor, itself as admin)", () => {
    const holders = [...h.entities("RoleHolder").values()].filter((r) => r.active === true);
    const held = (role: Hex) =>
      holders
        .filter((r) => r.role === role)
        .map((r) => r.account)
        .sort();
    assert.deepEqual(held(ROLE.PROPOSER), [lower(g.governor.account.address)]);
    assert.deepEqual(
      held(ROLE.CANCELLER),
      [lower(g.governor.account.address), lower(g.guardian.account.address)].sort(),
    );
    assert.deepEqual(held(ROLE.EXECUTOR), [zeroAddress]);
    assert.deepEqual(held(ROLE.DEFAULT_ADMIN), [lower(g.timelock.address)]);
    for (const r of holders) assert.equal(r.contract, lower(g.timelock.address));
  });
});
