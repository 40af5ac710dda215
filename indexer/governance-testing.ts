/**
 * Test helpers: a production-shaped deployment on Hardhat's network — a RewardsTimelock
 * (OpenZeppelin's TimelockController) as the RewardsDistributor's default admin — and the
 * governance history an operator would leave: role grants scheduled and executed through the
 * timelock, a change cancelled by the guardian, changes still pending. Tests and benches only.
 */
import type { network } from "hardhat";
import { encodeFunctionData, keccak256, toHex, zeroAddress, zeroHash, type Abi, type Address, type Hex } from "viem";
import { ORACLE_SIGNERS, testAccount } from "../test/contracts/fixture.ts";
import { distributorAbi, timelockAbi } from "../chain/abi.ts";

type Connection = Awaited<ReturnType<typeof network.create>>;

/** The distributor's ABI untyped, for calls encoded by name at run time. */
const anyDistributorAbi = (): Abi => distributorAbi();

/** The timelock's minimum delay in these tests: one hour, as the distributor's dispute window. */
export const TIMELOCK_MIN_DELAY = 3_600n;
export const DISPUTE_WINDOW = 3_600n;
export const ROLE = {
  DEFAULT_ADMIN: zeroHash,
  PROPOSER: keccak256(toHex("PROPOSER_ROLE")),
  GUARDIAN: keccak256(toHex("GUARDIAN_ROLE")),
  PAUSER: keccak256(toHex("PAUSER_ROLE")),
  CANCELLER: keccak256(toHex("CANCELLER_ROLE")),
  EXECUTOR: keccak256(toHex("EXECUTOR_ROLE")),
} as const;
/** The oracle signer the pending operation adds. */
export const NEW_SIGNER = testAccount("governance-new-signer").address;

export type Call = { target: Address; data: Hex };

export type GovernedOptions = { maxOutflowPerWindow?: bigint; fundAmount?: bigint };

/**
 * Deploys MockUSD, a RewardsTimelock (min delay 1 h; wallet 4 proposes and cancels, anyone
 * executes, no timelock admin) and a RewardsDistributor whose admin is the timelock. Nobody holds
 * PROPOSER, GUARDIAN or PAUSER until `grantRolesThroughTimelock` runs.
 */
export async function deployGoverned(conn: Connection, options: GovernedOptions = {}) {
  const { viem, networkHelpers } = conn;
  const publicClient = await viem.getPublicClient();
  const [funder, proposer, guardian, pauser, governor, other] = await viem.getWalletClients();
  if (!funder || !proposer || !guardian || !pauser || !governor || !other) throw new Error("need 6 wallet clients");
  const wait = async (hash: Hex) => publicClient.waitForTransactionReceipt({ hash });
  const usd = await viem.deployContract("MockUSD");
  const timelock = await viem.deployContract("RewardsTimelock", [
    TIMELOCK_MIN_DELAY,
    [governor.account.address],
    [zeroAddress],
    zeroAddress,
  ]);
  const distributor = await viem.deployContract("RewardsDistributor", [
    usd.address,
    timelock.address,
    3 * 86_400,
    ORACLE_SIGNERS.map((s) => s.address),
    3n,
    DISPUTE_WINDOW,
    options.maxOutflowPerWindow ?? 1_000_000_000_000n,
    86_400n,
  ]);
  const fundAmount = options.fundAmount ?? 10n ** 12n;
  await wait(await usd.write.mint([funder.account.address, fundAmount]));
  await wait(await usd.write.approve([distributor.address, fundAmount]));
  await wait(await distributor.write.fund([fundAmount]));
  const chainId = await publicClient.getChainId();

  const onDistributor = (functionName: string, args: readonly unknown[]): Call => ({
    target: distributor.address,
    data: encodeFunctionData({ abi: anyDistributorAbi(), functionName, args }),
  });
  const onTimelock = (functionName: string, args: readonly unknown[]): Call => ({
    target: timelock.address,
    data: encodeFunctionData({ abi: timelockAbi(), functionName, args }),
  });
  const batch = (calls: Call[]) => [calls.map((c) => c.target), calls.map(() => 0n), calls.map((c) => c.data)] as const;
  /** Schedules `calls` as one operation (governor, min delay); returns its id and schedule receipt. */
  const schedule = async (calls: Call[], salt: Hex = zeroHash) => {
    const receipt = await wait(
      await timelock.write.scheduleBatch([...batch(calls), zeroHash, salt, TIMELOCK_MIN_DELAY], {
        account: governor.account,
      }),
    );
    const id = await timelock.read.hashOperationBatch([...batch(calls), zeroHash, salt]);
    return { id, receipt };
  };
  /** Executes a ready operation (executors: anyone — `other` sends it). */
  const execute = async (calls: Call[], salt: Hex = zeroHash) =>
    wait(await timelock.write.executeBatch([...batch(calls), zeroHash, salt], { account: other.account }));
  /** Cancels `id` as `account` (a holder of CANCELLER_ROLE). */
  const cancel = async (id: Hex, account = guardian.account) => wait(await timelock.write.cancel([id], { account }));
  const elapse = (seconds: bigint) => networkHelpers.time.increase(seconds);

  return {
    viem,
    publicClient,
    usd,
    timelock,
    distributor,
    funder,
    proposer,
    guardian,
    pauser,
    governor,
    other,
    chainId,
    wait,
    onDistributor,
    onTimelock,
    schedule,
    execute,
    cancel,
    elapse,
  };
}

export type Governed = Awaited<ReturnType<typeof deployGoverned>>;

/**
 * The calls that hand out the day-to-day roles: PROPOSER, GUARDIAN and PAUSER on the distributor,
 * and CANCELLER on the timelock to the guardian (so the guardian can cancel what it sees coming).
 */
export function roleGrants(g: Governed): Call[] {
  return [
    g.onDistributor("grantRole", [ROLE.PROPOSER, g.proposer.account.address]),
    g.onDistributor("grantRole", [ROLE.GUARDIAN, g.guardian.account.address]),
    g.onDistributor("grantRole", [ROLE.PAUSER, g.pauser.account.address]),
    g.onTimelock("grantRole", [ROLE.CANCELLER, g.guardian.account.address]),
  ];
}

/** Schedules the role grants, waits out the min delay and executes them. */
export async function grantRolesThroughTimelock(g: Governed) {
  const calls = roleGrants(g);
  const scheduled = await g.schedule(calls);
  await g.elapse(TIMELOCK_MIN_DELAY + 1n);
  const executed = await g.execute(calls);
  return { id: scheduled.id, scheduled: scheduled.receipt, executed };
}

/**
 * After the grants: a dispute-window change the guardian cancels, then two changes left pending —
 * adding an oracle signer (with a salt) and a call whose calldata the distributor's ABI does not know.
 */
export async function scheduleChanges(g: Governed) {
  const widen = [g.onDistributor("setDisputeWindow", [2n * DISPUTE_WINDOW])];
  const cancelled = await g.schedule(widen);
  await g.cancel(cancelled.id);
  const addSigner = [g.onDistributor("addSigner", [NEW_SIGNER])];
  const salt = keccak256(toHex("add-signer-5"));
  const pending = await g.schedule(addSigner, salt);
  const unknown: Call[] = [{ target: g.distributor.address, data: "0xdeadbeef00000000000000000000000000000001" }];
  const opaque = await g.schedule(unknown);
  return { cancelled, pending, opaque, addSigner, unknown, salt };
}
