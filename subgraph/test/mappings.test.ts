/**
 * The compiled subgraph mappings (build/RewardsDistributor/RewardsDistributor.wasm) run in the
 * offline harness over every log of a real RewardsDistributor history on Hardhat's in-process
 * network; the resulting entities are checked against the events and against the contract's
 * own view functions.
 *
 * Needs the subgraph build: `npm ci --prefix subgraph && npm --prefix subgraph run build`.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Abi, AbiEvent, Hex } from "viem";
import { keccak256, toEventSignature, toHex } from "viem";
import { parse as parseYaml } from "yaml";
import {
  ALICE,
  BOB,
  CAROL,
  DAY,
  EPOCH1,
  EPOCH2,
  EPOCH2_VETOED,
  FUNDED,
  ORACLES,
  RELAYER_FEE,
  VETO_REASON,
  WITHDRAWN,
  commitments,
  runScenario,
  totalOf,
  treeOf,
} from "./chain.ts";
import { BUILD_COMMAND, MappingHarness, type PlainEntity } from "./harness.ts";

const SUBGRAPH = fileURLToPath(new URL("../", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WASM = `${SUBGRAPH}build/RewardsDistributor/RewardsDistributor.wasm`;
const BUILT_MANIFEST = `${SUBGRAPH}build/subgraph.yaml`;
const BUILT_ABI = `${SUBGRAPH}build/RewardsDistributor/RewardsDistributor.json`;
const ARTIFACT = `${ROOT}artifacts/contracts/RewardsDistributor.sol/RewardsDistributor.json`;

/** Contract events the subgraph deliberately does not index (OpenZeppelin role and admin plumbing). */
const NOT_INDEXED = new Set([
  "RoleAdminChanged",
  "DefaultAdminTransferScheduled",
  "DefaultAdminTransferCanceled",
  "DefaultAdminDelayChangeScheduled",
  "DefaultAdminDelayChangeCanceled",
  "EIP712DomainChanged",
]);

function readBuilt(path: string): string {
  if (!existsSync(path)) throw new Error(`subgraph build output ${path} is missing: run \`${BUILD_COMMAND}\` first`);
  return readFileSync(path, "utf8");
}

/** `event signature → handler` pairs of the built manifest. */
function manifestHandlers(): Map<string, string> {
  const manifest = parseYaml(readBuilt(BUILT_MANIFEST)) as {
    dataSources: { mapping: { eventHandlers: { event: string; handler: string }[] } }[];
  };
  return new Map(
    manifest.dataSources.flatMap((ds) => ds.mapping.eventHandlers.map((h) => [h.event, h.handler] as const)),
  );
}
const manifestSignature = (e: AbiEvent) =>
  `${e.name}(${e.inputs.map((p) => `${p.indexed ? "indexed " : ""}${p.type}`).join(",")})`;

const lower = (a: string) => a.toLowerCase();
/** Immutable event entity id: tx hash followed by the log index as graph-ts `concatI32` writes it (LE i32). */
function eventId(txHash: Hex, logIndex: number): string {
  const le = Buffer.alloc(4);
  le.writeInt32LE(logIndex);
  return `${txHash.toLowerCase()}${le.toString("hex")}`;
}

describe("subgraph build", () => {
  it("is up to date with the contract: the ABI it was built from equals the Hardhat artifact's", () => {
    const built = JSON.parse(readBuilt(BUILT_ABI)) as Abi;
    const artifact = (JSON.parse(readFileSync(ARTIFACT, "utf8")) as { abi: Abi }).abi;
    const events = (abi: Abi) =>
      abi
        .filter((i): i is AbiEvent => i.type === "event")
        .map(toEventSignature)
        .sort();
    assert.deepEqual(events(built), events(artifact), `contract events changed: run \`${BUILD_COMMAND}\``);
  });

  it("handles every contract event except the listed OpenZeppelin plumbing, with the ABI's signatures", () => {
    const abi = JSON.parse(readBuilt(BUILT_ABI)) as Abi;
    const handlers = manifestHandlers();
    for (const e of abi.filter((i): i is AbiEvent => i.type === "event")) {
      const handler = handlers.get(manifestSignature(e));
      if (NOT_INDEXED.has(e.name)) assert.equal(handler, undefined, `${e.name} is listed as not indexed`);
      else assert.equal(handler, `handle${e.name}`, `event ${manifestSignature(e)} has no handler in the manifest`);
    }
  });

  it("fails loudly, naming the build command, when the wasm is missing", () => {
    assert.throws(
      () => MappingHarness.load(`${SUBGRAPH}build/missing.wasm`),
      (e: Error) => e.message.includes(BUILD_COMMAND),
    );
  });
});

describe("mappings over a real RewardsDistributor history", () => {
  let h: MappingHarness;
  let scenario: Awaited<ReturnType<typeof runScenario>>;
  let distributorId: string;
  const handled: string[] = [];

  before(async () => {
    h = MappingHarness.load(WASM);
    const abi = JSON.parse(readBuilt(BUILT_ABI)) as Abi;
    const handlers = manifestHandlers();
    scenario = await runScenario(abi);
    distributorId = lower(scenario.distributor.address);
    for (const event of scenario.events) {
      const handler = handlers.get(manifestSignature(event.abiEvent));
      if (!handler) continue; // NOT_INDEXED (checked above)
      h.handle(handler, event);
      handled.push(event.eventName);
    }
  });
  after(async () => {
    await scenario?.connection.close();
  });

  const one = (type: string, id: string): PlainEntity => {
    const e = h.entity(type, id);
    assert.ok(e, `${type} ${id} exists`);
    return e;
  };
  /** Every entity of a type, in chain order (block number, then log index). */
  const all = (type: string) =>
    [...h.entities(type).values()].sort((a, b) =>
      a.blockNumber !== b.blockNumber
        ? Number((a.blockNumber as bigint) - (b.blockNumber as bigint))
        : Number((a.logIndex as bigint) - (b.logIndex as bigint)),
    );
  const read = <T>(fn: string, args: unknown[] = []) =>
    (scenario.distributor.read as unknown as Record<string, (a?: unknown[]) => Promise<T>>)[fn]!(args);

  it("handled every indexed event of the history", () => {
    const count = (name: string) => handled.filter((n) => n === name).length;
    assert.equal(count("SignerAdded"), 5);
    assert.equal(count("RootProposed"), 3);
    assert.equal(count("RootVetoed"), 1);
    assert.equal(count("RootFinalized"), 2);
    assert.equal(count("Claimed"), 3);
    assert.equal(count("ClaimAuthorizationUsed"), 1);
    for (const name of ["Funded", "ExcessWithdrawn", "SignerRemoved", "Paused", "Unpaused"])
      assert.equal(count(name), 1);
    assert.equal(count("ThresholdChanged"), 2);
    assert.equal(count("DisputeWindowChanged"), 2);
    assert.equal(count("OutflowLimitChanged"), 2);
  });

  it("Distributor matches the contract's own view functions", async () => {
    const d = one("Distributor", distributorId);
    const claimed = (await read<bigint>("claimed", [ALICE.address])) + (await read<bigint>("claimed", [BOB.address]));
    assert.equal(d.totalFundedMicroUsd, FUNDED);
    assert.equal(d.totalWithdrawnMicroUsd, WITHDRAWN);
    assert.equal(d.netFundedMicroUsd, await read<bigint>("netFunded"));
    assert.equal(d.committedTotalMicroUsd, await read<bigint>("committedTotal"));
    assert.equal(d.excessMicroUsd, await read<bigint>("excess"));
    assert.equal(d.totalClaimedMicroUsd, claimed);
    assert.equal(d.outstandingMicroUsd, totalOf(EPOCH2) - claimed);
    assert.equal(d.finalizedTotalMicroUsd, totalOf(EPOCH2));
    assert.equal(d.latestEpoch, BigInt(await read<bigint>("latestEpoch")));
    assert.equal(d.finalizedEpoch, BigInt(await read<bigint>("finalizedEpoch")));
    assert.equal(d.finalizedRoot, lower(await read<Hex>("finalizedRoot")));
    assert.equal(d.threshold, await read<bigint>("threshold"));
    assert.equal(BigInt(d.signerCount as number), await read<bigint>("signerCount"));
    assert.equal(d.disputeWindowSeconds, await read<bigint>("disputeWindow"));
    const [maxOutflow, window] = await read<[bigint, bigint]>("outflowState");
    assert.equal(d.maxOutflowPerWindowMicroUsd, maxOutflow);
    assert.equal(d.outflowWindowSeconds, window);
    assert.equal(d.paused, await read<boolean>("paused"));
    assert.equal(d.claimCount, 3);
    assert.equal(d.accountCount, 2);
  });

  it("Epoch 1: finalized, with the proposal's commitments, signers and the contract's validAt", async () => {
    const e = one("Epoch", "1");
    const record = await read<{ root: Hex; cumulativeTotal: bigint; validAt: bigint }>("epochRecord", [1n]);
    const c = commitments(1n);
    assert.equal(e.status, "Finalized");
    assert.equal(e.epoch, 1n);
    assert.equal(e.distributor, distributorId);
    assert.equal(e.root, lower(treeOf(EPOCH1).root));
    assert.equal(e.root, lower(record.root));
    assert.equal(e.cumulativeTotalMicroUsd, totalOf(EPOCH1));
    assert.equal(e.receiptsRoot, c.receiptsRoot);
    assert.equal(e.datasetHash, c.datasetHash);
    assert.equal(e.rateCardHash, c.rateCardHash);
    assert.equal(e.validAt, record.validAt);
    assert.deepEqual(
      e.signers,
      [ORACLES[0]!, ORACLES[2]!, ORACLES[4]!].map((o) => lower(o.address)),
    );
    assert.equal(e.proposalCount, 1);
    assert.equal(typeof e.finalizedAt, "bigint");
    assert.ok((e.finalizedAt as bigint) >= record.validAt);
    assert.equal(e.vetoedAt, undefined);
  });

  it("Epoch 2: vetoed once, re-proposed and finalized; the aggregate describes the newest proposal", () => {
    const e = one("Epoch", "2");
    assert.equal(e.status, "Finalized");
    assert.equal(e.proposalCount, 2);
    assert.equal(e.root, lower(treeOf(EPOCH2).root));
    assert.equal(e.cumulativeTotalMicroUsd, totalOf(EPOCH2));
    assert.equal(e.datasetHash, commitments(2n).datasetHash);
    assert.equal(e.vetoReason, VETO_REASON);
    assert.equal(typeof e.vetoedAt, "bigint");
    assert.deepEqual(
      e.signers,
      [ORACLES[3]!, ORACLES[0]!, ORACLES[1]!].map((o) => lower(o.address)),
    );

    const proposals = all("RootProposal").filter((p) => p.epoch === "2");
    assert.equal(proposals.length, 2);
    const vetoed = proposals.find((p) => p.root === lower(treeOf(EPOCH2_VETOED).root));
    assert.ok(vetoed, "the vetoed proposal is kept");
    assert.equal(vetoed.datasetHash, commitments(2n, "-bad").datasetHash);
    assert.equal(vetoed.cumulativeTotalMicroUsd, totalOf(EPOCH2_VETOED));
    // The re-proposal needed fresh signatures over the next attempt.
    assert.equal(vetoed.attempt, 1n);
    assert.equal(proposals.find((p) => p !== vetoed)!.attempt, 2n);
    assert.equal(e.attempt, 2n);
    assert.equal(one("Epoch", "1").attempt, 1n);

    const [veto] = all("RootVeto");
    assert.equal(all("RootVeto").length, 1);
    assert.equal(veto!.epoch, "2");
    assert.equal(veto!.guardian, lower(scenario.accounts.guardian.account.address));
    assert.equal(veto!.reason, VETO_REASON);
    const finalizations = all("RootFinalization");
    assert.deepEqual(
      finalizations.map((f) => [f.epoch, f.root, f.cumulativeTotalMicroUsd]),
      [
        ["1", lower(treeOf(EPOCH1).root), totalOf(EPOCH1)],
        ["2", lower(treeOf(EPOCH2).root), totalOf(EPOCH2)],
      ],
      "a finalization carries the epoch's latest proposed root, never the vetoed one",
    );
  });

  it("RoleHolder: who holds which role of the distributor, from RoleGranted (every grant also a RoleChange)", () => {
    const { admin, proposer, guardian, pauser } = scenario.accounts;
    const role = (name: string) => (name === "DEFAULT_ADMIN_ROLE" ? `0x${"00".repeat(32)}` : keccak256(toHex(name)));
    const holders = [...h.entities("RoleHolder").values()].filter((r) => r.active === true);
    const held = (name: string) => holders.filter((r) => r.role === role(name)).map((r) => r.account);
    assert.deepEqual(held("DEFAULT_ADMIN_ROLE"), [lower(admin.account.address)]);
    assert.deepEqual(held("PROPOSER_ROLE"), [lower(proposer.account.address)]);
    assert.deepEqual(held("GUARDIAN_ROLE"), [lower(guardian.account.address)]);
    assert.deepEqual(held("PAUSER_ROLE"), [lower(pauser.account.address)]);
    for (const r of holders) {
      assert.equal(r.contract, distributorId);
      assert.equal(r.id, `${distributorId}${(r.role as string).slice(2)}${(r.account as string).slice(2)}`);
    }
    const grants = all("RoleChange");
    assert.equal(grants.length, handled.filter((n) => n === "RoleGranted" || n === "RoleRevoked").length);
    const proposerGrant = grants.find((c) => c.role === role("PROPOSER_ROLE"))!;
    assert.equal(proposerGrant.granted, true);
    assert.equal(proposerGrant.sender, lower(admin.account.address));
  });

  it("event entity ids are the transaction hash followed by the log index, and carry block data", () => {
    for (const event of scenario.events.filter((e) => e.eventName === "RootProposed")) {
      const p = one("RootProposal", eventId(event.transaction.hash, event.logIndex));
      assert.equal(p.transactionHash, lower(event.transaction.hash));
      assert.equal(p.blockNumber, event.block.number);
      assert.equal(p.blockTimestamp, event.block.timestamp);
      assert.equal(p.logIndex, BigInt(event.logIndex));
      assert.equal(p.sender, lower(scenario.accounts.proposer.account.address));
      assert.equal(p.validAt, event.block.timestamp + DAY);
    }
  });

  it("Claims and Accounts: amounts, running totals equal to the contract's claimed(), relayed claim", async () => {
    const claims = all("Claim");
    assert.deepEqual(
      claims.map((c) => [c.account, c.amountMicroUsd, c.cumulativeClaimedMicroUsd, c.epoch]),
      [
        [lower(ALICE.address), 300_000_000n, 300_000_000n, "1"],
        [lower(BOB.address), 200_000_000n, 200_000_000n, "1"],
        [lower(ALICE.address), 150_000_000n, 450_000_000n, "2"],
      ],
    );
    assert.equal(claims[0]!.sender, lower(scenario.accounts.anyone.account.address));
    assert.equal(claims[1]!.sender, lower(scenario.accounts.relayer.account.address));
    assert.equal(claims[1]!.recipient, lower(BOB.address));

    for (const [who, count] of [
      [ALICE, 2],
      [BOB, 1],
    ] as const) {
      const a = one("Account", lower(who.address));
      assert.equal(a.totalClaimedMicroUsd, await read<bigint>("claimed", [who.address]));
      assert.equal(a.claimCount, count);
      assert.equal(a.distributor, distributorId);
    }
    assert.equal(h.entity("Account", lower(CAROL.address)), undefined, "carol never claimed");
    assert.equal(one("Account", lower(BOB.address)).authorizationsUsed, 1);
    assert.equal(one("Account", lower(ALICE.address)).authorizationsUsed, 0);

    const [use] = all("ClaimAuthorizationUse");
    assert.equal(all("ClaimAuthorizationUse").length, 1);
    assert.equal(use!.account, lower(BOB.address));
    assert.equal(use!.nonce, 0n);
    assert.equal(use!.relayer, lower(scenario.accounts.relayer.account.address));
    assert.equal(use!.relayerFeeMicroUsd, RELAYER_FEE);
    assert.equal(
      BigInt(one("Account", lower(BOB.address)).authorizationsUsed as number),
      await read<bigint>("nonces", [BOB.address]),
    );
  });

  it("Funding and ExcessWithdrawal carry the contract's netFunded after each call", () => {
    const [funding] = all("Funding");
    assert.equal(funding!.amountMicroUsd, FUNDED);
    assert.equal(funding!.netFundedMicroUsd, FUNDED);
    assert.equal(funding!.from, lower(scenario.accounts.admin.account.address));
    const [withdrawal] = all("ExcessWithdrawal");
    assert.equal(withdrawal!.amountMicroUsd, WITHDRAWN);
    assert.equal(withdrawal!.netFundedMicroUsd, FUNDED - WITHDRAWN);
    assert.equal(withdrawal!.to, lower(scenario.accounts.admin.account.address));
  });

  it("Signers, threshold, dispute window, circuit breaker and pause history", async () => {
    const signers = h.entities("Signer");
    assert.equal(signers.size, 5);
    for (const [i, o] of ORACLES.entries()) {
      const s = one("Signer", lower(o.address));
      assert.equal(s.active, await read<boolean>("isSigner", [o.address]));
      assert.equal(s.active, i !== 4);
    }
    assert.equal(typeof one("Signer", lower(ORACLES[4]!.address)).removedAt, "bigint");
    const changes = all("SignerChange");
    assert.deepEqual(
      changes.map((c) => [c.added, c.signerCount]),
      [
        [true, 1],
        [true, 2],
        [true, 3],
        [true, 4],
        [true, 5],
        [false, 4],
      ],
    );
    const thresholds = all("ThresholdChange").map((t) => [t.previousThreshold, t.newThreshold]);
    assert.deepEqual(thresholds, [
      [0n, 3n],
      [3n, 2n],
    ]);
    assert.deepEqual(
      all("DisputeWindowChange").map((c) => c.newWindowSeconds),
      [DAY, 2n * DAY],
    );
    assert.equal(all("OutflowLimitChange").length, 2);
    const pauses = all("PauseChange");
    assert.deepEqual(
      pauses.map((p) => [p.paused, p.account]),
      [
        [true, lower(scenario.accounts.pauser.account.address)],
        [false, lower(scenario.accounts.admin.account.address)],
      ],
    );
  });

  it("never writes an immutable event entity twice, nor a reference to a missing entity", () => {
    const schema = readFileSync(`${SUBGRAPH}schema.graphql`, "utf8");
    const immutable = [...schema.matchAll(/type (\w+) @entity\(immutable: true\)/g)].map((m) => m[1]!);
    assert.ok(immutable.length >= 12);
    for (const type of immutable) {
      for (const [id, n] of h.setCounts.get(type) ?? []) assert.equal(n, 1, `${type} ${id} was saved ${n} times`);
    }
    // Every `distributor`, `epoch`, `account` and `signer` reference resolves.
    const refs: [string, string][] = [
      ["distributor", "Distributor"],
      ["epoch", "Epoch"],
      ["account", "Account"],
      ["signer", "Signer"],
    ];
    for (const [type, entities] of h.store) {
      for (const [id] of entities) {
        const e = h.entity(type, id)!;
        for (const [field, target] of refs) {
          // `account` of a pause or role entity is any role holder, not a claiming Account.
          const anyAccount = ["PauseChange", "RoleChange", "RoleHolder"].includes(type) && field === "account";
          if (typeof e[field] === "string" && type !== target && !anyAccount) {
            assert.ok(h.entity(target, e[field]), `${type} ${id}.${field} → missing ${target} ${e[field]}`);
          }
        }
      }
    }
  });

  it("a claim against an epoch whose proposal was never indexed gets a placeholder Epoch, not a crash", () => {
    const fresh = MappingHarness.load(WASM);
    const claimed = scenario.events.find((e) => e.eventName === "Claimed")!;
    fresh.handle("handleClaimed", claimed);
    const epoch = fresh.entity("Epoch", "1");
    assert.ok(epoch);
    assert.equal(epoch.status, "Finalized");
    assert.equal(epoch.proposalCount, 0);
    assert.equal(fresh.entity("Claim", eventId(claimed.transaction.hash, claimed.logIndex))?.epoch, "1");
    assert.ok(fresh.logs.some((l) => l.message.includes("seen before its RootProposed")));
  });
});
