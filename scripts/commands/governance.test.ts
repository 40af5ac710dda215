import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import { createPublicClient, http, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import RewardsDistributorModule from "../../ignition/modules/RewardsDistributor.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { ORACLE_SIGNERS } from "../../test/contracts/fixture.ts";
import { runLedgerCli, type CliRun } from "../../test/helpers/cli.ts";
import { startDevChain, type DevChain } from "../lib/dev-chain.ts";

const ROOT = path.join(import.meta.dirname, "..", "..");
const MNEMONIC = "test test test test test test test test test test test junk";
const devKey = (index: number): Hex => {
  const hd = mnemonicToAccount(MNEMONIC, { addressIndex: index }).getHdKey();
  return `0x${Buffer.from(hd.privateKey!).toString("hex")}`;
};
const addressOf = (index: number) =>
  mnemonicToAccount(MNEMONIC, { addressIndex: index }).address.toLowerCase() as Address;
const [DEPLOYER, PROPOSER, GUARDIAN, PAUSER, GOVERNOR, ATTACKER] = [0, 1, 2, 3, 4, 5];
const DELAY = 3_600;

type Run = CliRun;
const ledger = (args: string[], key?: number, command = "governance") =>
  runLedgerCli([command, ...args], { LEDGER_PRIVATE_KEY: key === undefined ? "" : devKey(key) });
function expectOneLine(r: Run, code: number, re: RegExp) {
  expect(r.status, r.stderr + r.stdout).to.equal(code);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(re);
}

/**
 * `ledger governance` against the production Ignition deployment on the dev chain over HTTP (a real EVM
 * with the compiled contracts): schedule → list → execute → roles, the guardian's cancel, and one line for
 * each refusal (bad address, wrong key, too early, unknown ID, a change the distributor would refuse).
 */
/** The policy key's address (it signs budgets and overrides; no test here signs with it). */
const POLICY: Address = "0x8888888888888888888888888888888888888888";

describe("ledger governance", () => {
  let dir: string;
  let chain: DevChain;
  let distributor: Address;
  let timelock: Address;
  let client: ReturnType<typeof createPublicClient>;
  let opts: string[];
  const deploymentId = `governance-test-${process.pid}`;
  const advance = async (seconds: number) => {
    await client.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
    await client.request({ method: "evm_mine" as never, params: [] as never });
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ledger-governance-"));
    chain = await startDevChain({ port: 0, journalFile: path.join(dir, "journal.ndjson") });
    client = createPublicClient({ transport: http(chain.url) });
    const connection = await network.create({ network: "localhost", override: { url: chain.url } });
    const token = await connection.viem.deployContract("MockUSD");
    const deployed = await connection.ignition.deploy(RewardsDistributorModule, {
      deploymentId,
      displayUi: false,
      parameters: {
        RewardsDistributor: {
          token: token.address,
          signers: ORACLE_SIGNERS.slice(0, 3).map((s) => s.address),
          threshold: 3,
          disputeWindowSeconds: DELAY,
          proposer: addressOf(PROPOSER),
          guardian: addressOf(GUARDIAN),
          pauser: addressOf(PAUSER),
          policy: POLICY,
          governors: [addressOf(GOVERNOR)],
        },
      },
    });
    await connection.close();
    distributor = deployed.distributor.address.toLowerCase() as Address;
    timelock = deployed.timelock.address.toLowerCase() as Address;
    opts = ["--rpc", chain.url, "--distributor", distributor];
  });
  after(async () => {
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  });

  let scheduledId: Hex;

  it("default: schedule → list (pending, decoded, countdown) → execute too early is refused → execute after the delay", async () => {
    const s = await ledger(["schedule", "set-threshold", "2", ...opts], GOVERNOR);
    expect(s.status, s.stderr).to.equal(0);
    const m =
      /^scheduled setThreshold\(2\) as operation (0x[0-9a-f]{64}) on timelock (0x[0-9a-f]{40}) .*ready at \S+ \(in 1h 0m 0s\)/.exec(
        s.stdout,
      );
    expect(m, s.stdout).to.not.equal(null);
    scheduledId = m![1] as Hex;
    expect(m![2]).to.equal(timelock); // found as the distributor's defaultAdmin()
    expect(s.stdout + s.stderr).to.not.include(devKey(GOVERNOR).slice(2));

    const listed = await ledger(["list", "--json", ...opts]);
    expect(listed.status, listed.stderr).to.equal(0);
    const ops = (
      JSON.parse(listed.stdout) as { operations: { id: string; state: string; calls: string[]; secondsLeft: string }[] }
    ).operations;
    // The setup's own batch (grants + updateDelay), executed at deployment, then ours.
    expect(ops[0]!.state).to.equal("done");
    expect(ops[0]!.calls).to.deep.equal([
      `grantRole(PROPOSER_ROLE, ${addressOf(PROPOSER)})`,
      `grantRole(GUARDIAN_ROLE, ${addressOf(GUARDIAN)})`,
      `grantRole(PAUSER_ROLE, ${addressOf(PAUSER)})`,
      `grantRole(POLICY_ROLE, ${POLICY})`,
      `timelock.updateDelay(${DELAY})`,
    ]);
    const ours = ops.find((o) => o.id === scheduledId)!;
    expect(ours.state).to.equal("pending");
    expect(ours.calls).to.deep.equal(["setThreshold(2)"]);
    expect(Number(ours.secondsLeft)).to.be.within(DELAY - 10, DELAY);
    const text = await ledger(["list", ...opts]);
    expect(text.stdout).to.match(
      new RegExp(`${scheduledId}  pending +ready at \\S+ \\(in (\\d+h )?\\d+m \\d+s\\)  setThreshold\\(2\\)`),
    );

    expectOneLine(
      await ledger(["execute", scheduledId, ...opts], ATTACKER),
      1,
      /^ledger governance: the contract refused: TimelockUnexpectedOperationState\(0x[0-9a-f]{64}, 0x0+4\): not ready until \S+ \(in (?:\d+h )?\d+m \d+s\): execute it then$/,
    );

    await advance(DELAY);
    const e = await ledger(["execute", scheduledId, ...opts], ATTACKER); // executors: anyone, by default
    expect(e.status, e.stderr).to.equal(0);
    expect(e.stdout).to.match(new RegExp(`^executed operation ${scheduledId}: setThreshold\\(2\\)`));
    expect(
      await client.readContract({ address: distributor, abi: distributorAbi(), functionName: "threshold" }),
    ).to.equal(2n);
    const after = JSON.parse((await ledger(["list", "--json", ...opts])).stdout) as {
      operations: { id: string; state: string }[];
    };
    expect(after.operations.find((o) => o.id === scheduledId)!.state).to.equal("done");
    expectOneLine(
      await ledger(["execute", scheduledId, ...opts], ATTACKER),
      1,
      /TimelockUnexpectedOperationState\(.*\): it was executed already$/,
    );
  });

  it("default: roles lists who holds which role on both contracts, and nothing for the deployer", async () => {
    const r = await ledger(["roles", "--json", ...opts]);
    expect(r.status, r.stderr).to.equal(0);
    const { roles } = JSON.parse(r.stdout) as { roles: Record<string, Record<string, string[]>> };
    expect(roles.distributor).to.deep.equal({
      DEFAULT_ADMIN_ROLE: [timelock],
      PROPOSER_ROLE: [addressOf(PROPOSER)],
      GUARDIAN_ROLE: [addressOf(GUARDIAN)],
      PAUSER_ROLE: [addressOf(PAUSER)],
      POLICY_ROLE: [POLICY],
    });
    expect(roles.timelock!.DEFAULT_ADMIN_ROLE).to.deep.equal([timelock]);
    expect(roles.timelock!.PROPOSER_ROLE).to.deep.equal([addressOf(GOVERNOR)]);
    expect(roles.timelock!.CANCELLER_ROLE!.sort()).to.deep.equal([addressOf(GUARDIAN), addressOf(GOVERNOR)].sort());
    expect(roles.timelock!.EXECUTOR_ROLE).to.deep.equal(["0x0000000000000000000000000000000000000000 (anyone)"]);
    expect(JSON.stringify(roles)).to.not.include(addressOf(DEPLOYER));
    const text = await ledger(["roles", ...opts]);
    expect(text.stdout).to.match(/^distributor 0x[0-9a-f]{40}:\n {2}DEFAULT_ADMIN_ROLE/);
  });

  it("behavior: the guardian cancels a scheduled change; it never executes, even after the delay", async () => {
    const s = await ledger(["schedule", "set-dispute-window", "7200", "--salt", "0x07", ...opts], GOVERNOR);
    expect(s.status, s.stderr).to.equal(0);
    const id = /operation (0x[0-9a-f]{64})/.exec(s.stdout)![1]!;
    const c = await ledger(["cancel", id, ...opts], GUARDIAN);
    expect(c.status, c.stderr).to.equal(0);
    expect(c.stdout).to.match(new RegExp(`^cancelled operation ${id}: setDisputeWindow\\(7200\\) can never execute`));
    await advance(DELAY + 1);
    expectOneLine(
      await ledger(["execute", id, ...opts], GOVERNOR),
      1,
      /TimelockUnexpectedOperationState\(.*\): it was cancelled and can never execute: schedule the change again$/,
    );
    const listed = JSON.parse((await ledger(["list", "--json", ...opts])).stdout) as {
      operations: { id: string; state: string }[];
    };
    expect(listed.operations.find((o) => o.id === id)!.state).to.equal("cancelled");
    expect(
      await client.readContract({ address: distributor, abi: distributorAbi(), functionName: "disputeWindow" }),
    ).to.equal(BigInt(DELAY));
    // Cancelling twice: the operation is no longer pending.
    expectOneLine(
      await ledger(["cancel", id, ...opts], GUARDIAN),
      1,
      /TimelockUnexpectedOperationState\(.*\): operation 0x[0-9a-f]{64} is cancelled, not pending/,
    );
  });

  it("default: the guardian lowers the breaker at once (no timelock); raising it that way, or another key, is refused in one line", async () => {
    const outflow = async () =>
      (await client.readContract({ address: distributor, abi: distributorAbi(), functionName: "outflowState" }))[0];
    const before = await outflow();
    const lowered = await ledger(["lower-limit", "100.00", ...opts], GUARDIAN, "guardian");
    expect(lowered.status, lowered.stderr).to.equal(0);
    expect(lowered.stdout).to.match(/^lowered the outflow limit of 0x[0-9a-fA-F]{40} to \$100\.000000 per window/);
    expect(await outflow()).to.equal(100_000_000n);
    expectOneLine(
      await ledger(["lower-limit", "1000000.00", ...opts], GUARDIAN, "guardian"),
      1,
      /OutflowLimitNotLowered\(100000000, 1000000000000, 86400\)/,
    );
    expectOneLine(
      await ledger(["lower-limit", "50.00", ...opts], GOVERNOR, "guardian"),
      1,
      /AccessControlUnauthorizedAccount/,
    );
    expect(await outflow()).to.equal(100_000_000n);
    expect(before > 100_000_000n).to.equal(true);
  });

  it("error: bad input, the wrong key, an unknown ID and a change the distributor would refuse are one line each", async () => {
    expectOneLine(
      await ledger(["schedule", "add-signer", "0x1234", ...opts], GOVERNOR),
      2,
      /^ledger governance: ADDR must be a 0x-prefixed 20-byte address, got "0x1234"$/,
    );
    expectOneLine(
      await ledger(["schedule", "set-threshold", "1e3", ...opts], GOVERNOR),
      2,
      /^ledger governance: N must be an integer in 1…255, got "1e3"$/,
    );
    expectOneLine(
      await ledger(["schedule", "grant-role", "admin", addressOf(ATTACKER), ...opts], GOVERNOR),
      2,
      /ROLE must be proposer, guardian or pauser, got "admin"/,
    );
    expectOneLine(
      await ledger(["schedule", "set-threshold", "1", ...opts]),
      2,
      /set LEDGER_PRIVATE_KEY to the signing key/,
    );
    expectOneLine(
      await ledger(["schedule", "set-threshold", "1", ...opts], ATTACKER),
      1,
      new RegExp(
        `^ledger governance: the contract refused: AccessControlUnauthorizedAccount\\(${addressOf(ATTACKER)}, PROPOSER_ROLE\\): the key ${addressOf(ATTACKER)} is not a governor`,
      ),
    );
    expectOneLine(
      await ledger(["schedule", "set-threshold", "9", ...opts], GOVERNOR),
      1,
      /^ledger governance: the contract refused: InvalidThreshold\(9, 3\): the distributor would refuse setThreshold\(9\) as things stand, so it is not scheduled$/,
    );
    expectOneLine(
      await ledger(["schedule", "set-outflow-limit", "1000000", "60", "--delay", "60", ...opts], GOVERNOR),
      1,
      /^ledger governance: the contract refused: TimelockInsufficientDelay\(60, 3600\): the timelock's minimum delay is 3600 s: pass --delay 3600 or more$/,
    );
    expectOneLine(
      await ledger(["execute", `0x${"ab".repeat(32)}`, ...opts], GOVERNOR),
      1,
      /^ledger governance: no operation 0x(ab){32} was ever scheduled on timelock 0x[0-9a-f]{40} \(since block \d+\): check the ID/,
    );
    expectOneLine(
      await ledger(["execute", "0xabc", ...opts], GOVERNOR),
      2,
      /the operation ID must be 0x \+ 64 hex digits/,
    );
    expectOneLine(
      await ledger(["list", "--rpc", "http://127.0.0.1:1", "--distributor", distributor]),
      2,
      /cannot reach the RPC/,
    );
  });
});
