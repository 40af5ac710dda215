/**
 * Issue 15 item 2: safety parameters change only after a delay the guardian can see and cancel. The production
 * Ignition module on Hardhat's in-process EVM, then the attacks: a stolen governors key, an early execute, a
 * change the guardian cancels, the admin given the proposer role through the timelock.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import { encodeFunctionData, type Abi, keccak256, toHex, zeroAddress, zeroHash, type Address, type Hex } from "viem";
import RewardsDistributorModule from "../../ignition/modules/RewardsDistributor.ts";
import { ORACLE_SIGNERS } from "./fixture.ts";

const DISPUTE_WINDOW = 7_200n;
const DELAY = 10_800n;
const ADMIN_ROLE = zeroHash;
const DISTRIBUTOR_ROLES = ["PROPOSER_ROLE", "GUARDIAN_ROLE", "PAUSER_ROLE", "POLICY_ROLE"].map((r) =>
  keccak256(toHex(r)),
);
/** The policy key (signs budgets, rate cards, founder status, flag decisions): any address but the deployer's. */
const POLICY: Address = "0x8888888888888888888888888888888888888888";
const TIMELOCK_ROLES = ["PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"].map((r) => keccak256(toHex(r)));

/** The production module, every role holder a different Hardhat account: deployer #0, never named. */
async function deployProduction(extra: Record<string, unknown> = {}) {
  const connection = await network.create();
  const { ignition, viem } = connection;
  const [deployer, proposer, guardian, pauser, governor, attacker] = await viem.getWalletClients();
  const token = await viem.deployContract("MockUSD");
  const deployed = await ignition.deploy(RewardsDistributorModule, {
    parameters: {
      RewardsDistributor: {
        token: token.address,
        signers: ORACLE_SIGNERS.map((s) => s.address),
        threshold: 3,
        disputeWindowSeconds: Number(DISPUTE_WINDOW),
        governanceDelaySeconds: Number(DELAY),
        proposer: proposer!.account.address,
        guardian: guardian!.account.address,
        pauser: pauser!.account.address,
        policy: POLICY,
        governors: [governor!.account.address],
        ...extra,
      },
    },
  });
  const { distributor, timelock, setup } = deployed;
  const asGovernor = await viem.getContractAt("RewardsTimelock", timelock.address, { client: { wallet: governor! } });
  const asGuardian = await viem.getContractAt("RewardsTimelock", timelock.address, { client: { wallet: guardian! } });
  const asAttacker = await viem.getContractAt("RewardsTimelock", timelock.address, { client: { wallet: attacker! } });
  const distributorAbi: Abi = distributor.abi;
  const call = (functionName: string, args: readonly unknown[]) =>
    encodeFunctionData({ abi: distributorAbi, functionName, args });
  const salt = (n: number): Hex => toHex(n, { size: 32 });
  const opId = (data: Hex, s: Hex) => timelock.read.hashOperation([distributor.address, 0n, data, zeroHash, s]);
  return {
    connection,
    deployer: deployer!,
    proposer: proposer!,
    guardian: guardian!,
    pauser: pauser!,
    governor: governor!,
    attacker: attacker!,
    distributor,
    timelock,
    setup,
    asGovernor,
    asGuardian,
    asAttacker,
    call,
    salt,
    opId,
  };
}

describe("governance: the production Ignition module", () => {
  it("default: the timelock is the distributor's admin, every holder comes from parameters, the deployer holds nothing", async () => {
    const d = await deployProduction();
    expect((await d.distributor.read.defaultAdmin()).toLowerCase()).to.equal(d.timelock.address.toLowerCase());
    expect(await d.timelock.read.getMinDelay()).to.equal(DELAY);
    const [proposerRole, guardianRole, pauserRole] = DISTRIBUTOR_ROLES as [Hex, Hex, Hex];
    const [tProposer, tExecutor, tCanceller] = TIMELOCK_ROLES as [Hex, Hex, Hex];
    const has = (c: typeof d.distributor | typeof d.timelock, role: Hex, who: Address) =>
      (c as typeof d.distributor).read.hasRole([role, who]);
    expect(await has(d.distributor, proposerRole, d.proposer.account.address)).to.equal(true);
    expect(await has(d.distributor, guardianRole, d.guardian.account.address)).to.equal(true);
    expect(await has(d.distributor, pauserRole, d.pauser.account.address)).to.equal(true);
    expect(await has(d.distributor, DISTRIBUTOR_ROLES[3]!, POLICY)).to.equal(true);
    expect(await d.setup.read.POLICY_ROLE()).to.equal(DISTRIBUTOR_ROLES[3]);
    expect(await has(d.timelock, tProposer, d.governor.account.address)).to.equal(true);
    expect(await has(d.timelock, tCanceller, d.governor.account.address)).to.equal(true);
    expect(await has(d.timelock, tCanceller, d.guardian.account.address)).to.equal(true);
    expect(await has(d.timelock, tExecutor, zeroAddress)).to.equal(true); // default: anyone executes once ready
    expect(await has(d.timelock, tProposer, d.guardian.account.address)).to.equal(false);
    // Nothing for the deployer nor the setup helper, on either contract; the timelock administers itself only.
    for (const who of [d.deployer.account.address, d.setup.address]) {
      for (const role of [ADMIN_ROLE, ...DISTRIBUTOR_ROLES])
        expect(await has(d.distributor, role, who)).to.equal(false);
      for (const role of [ADMIN_ROLE, ...TIMELOCK_ROLES]) expect(await has(d.timelock, role, who)).to.equal(false);
    }
    expect(await has(d.timelock, ADMIN_ROLE, d.timelock.address)).to.equal(true);
    expect((await d.distributor.read.pendingDefaultAdmin())[0]).to.equal(zeroAddress);
  });

  it("behavior: governanceDelaySeconds defaults to the dispute window; executors may be named", async () => {
    const connection = await network.create();
    const [, proposer, guardian, pauser, governor, executor] = await connection.viem.getWalletClients();
    const token = await connection.viem.deployContract("MockUSD");
    const { timelock } = await connection.ignition.deploy(RewardsDistributorModule, {
      parameters: {
        RewardsDistributor: {
          token: token.address,
          signers: ORACLE_SIGNERS.map((s) => s.address),
          disputeWindowSeconds: 5_400,
          proposer: proposer!.account.address,
          guardian: guardian!.account.address,
          pauser: pauser!.account.address,
          policy: POLICY,
          governors: [governor!.account.address],
          executors: [executor!.account.address],
        },
      },
    });
    expect(await timelock.read.getMinDelay()).to.equal(5_400n);
    expect(await timelock.read.hasRole([TIMELOCK_ROLES[1]!, executor!.account.address])).to.equal(true);
    expect(await timelock.read.hasRole([TIMELOCK_ROLES[1]!, zeroAddress])).to.equal(false);
  });

  it("error: a governance delay shorter than the dispute window fails the deployment (SetupDelayBelowDisputeWindow)", async () => {
    let failure = "";
    await deployProduction({ governanceDelaySeconds: 3_600 }).catch((err: unknown) => (failure = String(err)));
    expect(failure).to.match(/SetupDelayBelowDisputeWindow/);
  });
});

describe("governance: what a stolen governors key cannot do within the delay", () => {
  const CHANGES: [string, readonly unknown[]][] = [
    ["setThreshold", [1n]],
    ["setDisputeWindow", [DISPUTE_WINDOW * 2n]],
    ["setOutflowLimit", [0n, 0n]],
    ["addSigner", ["0x000000000000000000000000000000000000dEaD"]],
    ["removeSigner", [ORACLE_SIGNERS[0]!.address]],
    ["grantRole", [DISTRIBUTOR_ROLES[0], "0x000000000000000000000000000000000000dEaD"]],
  ];

  it("error: the governor calls the distributor directly → AccessControlUnauthorizedAccount (it is not the admin)", async () => {
    const d = await deployProduction();
    const asGovernor = await d.connection.viem.getContractAt("RewardsDistributor", d.distributor.address, {
      client: { wallet: d.governor },
    });
    await d.connection.viem.assertions.revertWithCustomErrorWithArgs(
      asGovernor.write.setThreshold([1n]),
      d.distributor,
      "AccessControlUnauthorizedAccount",
      [d.governor.account.address, ADMIN_ROLE],
    );
  });

  for (const [fn, args] of CHANGES) {
    it(`error: ${fn} scheduled with less than the delay → TimelockInsufficientDelay; with the delay, executed early → TimelockUnexpectedOperationState`, async () => {
      const d = await deployProduction();
      const data = d.call(fn, args);
      await d.connection.viem.assertions.revertWithCustomErrorWithArgs(
        d.asGovernor.write.schedule([d.distributor.address, 0n, data, zeroHash, d.salt(1), DELAY - 1n]),
        d.timelock,
        "TimelockInsufficientDelay",
        [DELAY - 1n, DELAY],
      );
      await d.asGovernor.write.schedule([d.distributor.address, 0n, data, zeroHash, d.salt(1), DELAY]);
      const id = await d.opId(data, d.salt(1));
      await d.connection.networkHelpers.time.increase(DELAY - 10n);
      await d.connection.viem.assertions.revertWithCustomError(
        d.asGovernor.write.execute([d.distributor.address, 0n, data, zeroHash, d.salt(1)]),
        d.timelock,
        "TimelockUnexpectedOperationState",
      );
      expect(await d.timelock.read.isOperationPending([id])).to.equal(true);
      expect(await d.timelock.read.isOperationReady([id])).to.equal(false);
    });
  }

  it("error: the guardian (a canceller) cannot schedule, and nobody but a governor can (AccessControlUnauthorizedAccount)", async () => {
    const d = await deployProduction();
    const data = d.call("setThreshold", [1n]);
    for (const [as, who] of [
      [d.asGuardian, d.guardian],
      [d.asAttacker, d.attacker],
    ] as const) {
      await d.connection.viem.assertions.revertWithCustomErrorWithArgs(
        as.write.schedule([d.distributor.address, 0n, data, zeroHash, d.salt(1), DELAY]),
        d.timelock,
        "AccessControlUnauthorizedAccount",
        [who.account.address, TIMELOCK_ROLES[0]!],
      );
    }
  });

  it("behavior: the guardian cancels a scheduled change, which then never executes, even after the delay", async () => {
    const d = await deployProduction();
    const data = d.call("setThreshold", [1n]);
    await d.asGovernor.write.schedule([d.distributor.address, 0n, data, zeroHash, d.salt(7), DELAY]);
    const id = await d.opId(data, d.salt(7));
    await d.connection.viem.assertions.emitWithArgs(d.asGuardian.write.cancel([id]), d.timelock, "Cancelled", [id]);
    await d.connection.networkHelpers.time.increase(DELAY + 1n);
    await d.connection.viem.assertions.revertWithCustomError(
      d.asGovernor.write.execute([d.distributor.address, 0n, data, zeroHash, d.salt(7)]),
      d.timelock,
      "TimelockUnexpectedOperationState",
    );
    expect(await d.distributor.read.threshold()).to.equal(3n);
  });

  it("default: after the delay the change executes (anyone may execute) and the distributor emits its event", async () => {
    const d = await deployProduction();
    const data = d.call("setThreshold", [2n]);
    await d.asGovernor.write.schedule([d.distributor.address, 0n, data, zeroHash, d.salt(2), DELAY]);
    await d.connection.networkHelpers.time.increase(DELAY);
    await d.connection.viem.assertions.emitWithArgs(
      d.asAttacker.write.execute([d.distributor.address, 0n, data, zeroHash, d.salt(2)]),
      d.distributor,
      "ThresholdChanged",
      [3n, 2n],
    );
    expect(await d.distributor.read.threshold()).to.equal(2n);
  });

  it("error: the admin cannot be given the proposer role, even through the timelock (AdminCannotPropose)", async () => {
    const d = await deployProduction();
    const data = d.call("grantRole", [DISTRIBUTOR_ROLES[0], d.timelock.address]);
    await d.asGovernor.write.schedule([d.distributor.address, 0n, data, zeroHash, d.salt(3), DELAY]);
    await d.connection.networkHelpers.time.increase(DELAY);
    await d.connection.viem.assertions.revertWithCustomErrorWithArgs(
      d.asGovernor.write.execute([d.distributor.address, 0n, data, zeroHash, d.salt(3)]),
      d.distributor,
      "AdminCannotPropose",
      [d.timelock.address],
    );
  });

  it("error: the setup helper runs once: a second configure → SetupUnauthorized for anyone else, a revert for its owner", async () => {
    const d = await deployProduction();
    const args = [
      d.timelock.address,
      d.distributor.address,
      d.attacker.account.address,
      d.attacker.account.address,
      d.attacker.account.address,
      d.attacker.account.address,
      0n,
      [d.attacker.account.address],
      [d.attacker.account.address],
    ] as const;
    const asAttacker = await d.connection.viem.getContractAt("RewardsTimelockSetup", d.setup.address, {
      client: { wallet: d.attacker },
    });
    await d.connection.viem.assertions.revertWithCustomErrorWithArgs(
      asAttacker.write.configure(args),
      d.setup,
      "SetupUnauthorized",
      [d.attacker.account.address],
    );
    await d.connection.viem.assertions.revertWithCustomError(
      d.setup.write.configure(args),
      d.timelock,
      "AccessControlUnauthorizedAccount",
    );
  });
});
