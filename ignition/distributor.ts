/**
 * The one place that wires a RewardsDistributor deployment, shared by the production and dev modules:
 * constructor arguments from module parameters, and the governance that ends it — a RewardsTimelock as the
 * distributor's default admin, the role holders from parameters, and nothing left to the deploying key.
 */
import type {
  AccountRuntimeValue,
  ContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";

type TokenArg = string | ModuleParameterRuntimeValue<string> | ContractFuture<string>;
type AddressArg = AccountRuntimeValue | string;

/** "Anyone may execute a change once its delay has passed" (OpenZeppelin's open EXECUTOR_ROLE). */
export const ANYONE = "0x0000000000000000000000000000000000000000";

export type DeployDistributorOptions = {
  /** Dev only: oracle signers when the `signers` parameter is absent. */
  defaultSigners?: string[];
  /**
   * Dev only: role holders when their parameters are absent. Production passes none, so `proposer`,
   * `guardian`, `pauser` and `governors` are required parameters: no role silently lands on the deployer.
   */
  defaultRoles?: { proposer: AddressArg; guardian: AddressArg; pauser: AddressArg; policy: AddressArg };
  /**
   * Dev only: the timelock's governors and executors, fixed (Ignition parameters cannot default to a list of
   * accounts); production takes them from the `governors` and `executors` parameters.
   */
  fixedGovernance?: { governors: AccountRuntimeValue[]; executors: AccountRuntimeValue[] };
  /** The account that deploys the distributor (account 0 unless given; the dev module keeps its old address). */
  distributorFrom?: AccountRuntimeValue;
};

/**
 * Deploys, from account 0 (the deployer):
 *
 * 1. `RewardsTimelockSetup`, a one-shot helper, and `RewardsTimelock(0, [setup], [setup], setup)`;
 * 2. the `RewardsDistributor` with the timelock as its default admin (the constructor's `admin`: no
 *    default-admin transfer, so `adminTransferDelaySeconds` only delays a later hand-over);
 * 3. `setup.configure(…)`, one transaction: through the timelock at delay 0, the distributor's PROPOSER,
 *    GUARDIAN and PAUSER grants and `updateDelay(governanceDelaySeconds)`; then the timelock's PROPOSER and
 *    CANCELLER to every governor, CANCELLER to the guardian, EXECUTOR to every executor; then the helper
 *    renounces every timelock role. The deployer never holds a role on either contract, and no governor
 *    exists while the delay is 0.
 *
 * Parameters: `signers` (addresses, required unless `defaultSigners` is given), `threshold` (2),
 * `disputeWindowSeconds` (86 400), `maxOutflowPerWindow` (µUSD, 100 000 USD), `outflowWindowSeconds`
 * (86 400; 0 disables the breaker), `adminTransferDelaySeconds` (259 200), `proposer`, `guardian`, `pauser`,
 * `governors` (addresses: multisigs of people who schedule changes), `governanceDelaySeconds` (0 = the
 * dispute window; the setup refuses less than it), `executors` (addresses; default `[0x0]`: anyone).
 */
export function deployDistributor(m: IgnitionModuleBuilder, token: TokenArg, options: DeployDistributorOptions = {}) {
  const deployer = m.getAccount(0);
  const signers =
    options.defaultSigners === undefined
      ? m.getParameter<string[]>("signers")
      : m.getParameter("signers", options.defaultSigners);
  const setup = m.contract("RewardsTimelockSetup", [], { from: deployer });
  const timelock = m.contract("RewardsTimelock", [0, [setup], [setup], setup], { from: deployer });
  const distributor = m.contract(
    "RewardsDistributor",
    [
      token,
      timelock,
      m.getParameter("adminTransferDelaySeconds", 3 * 86_400),
      signers,
      m.getParameter("threshold", 2),
      m.getParameter("disputeWindowSeconds", 86_400),
      m.getParameter("maxOutflowPerWindow", 100_000_000_000n),
      m.getParameter("outflowWindowSeconds", 86_400),
    ],
    { from: options.distributorFrom ?? deployer },
  );
  const roles = options.defaultRoles;
  const holder = (name: "proposer" | "guardian" | "pauser" | "policy") =>
    roles === undefined ? m.getParameter<string>(name) : m.getParameter(name, roles[name]);
  const fixed = options.fixedGovernance;
  const configure = m.call(
    setup,
    "configure",
    [
      timelock,
      distributor,
      holder("proposer"),
      holder("guardian"),
      holder("pauser"),
      holder("policy"),
      m.getParameter("governanceDelaySeconds", 0),
      fixed?.governors ?? m.getParameter<string[]>("governors"),
      fixed?.executors ?? m.getParameter("executors", [ANYONE]),
    ],
    { from: deployer },
  );
  return { distributor, timelock, setup, configure };
}
