/**
 * The one place that wires a RewardsDistributor deployment, shared by the production and dev modules:
 * constructor arguments and role grants from module parameters.
 */
import type {
  AccountRuntimeValue,
  ContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";

type TokenArg = string | ModuleParameterRuntimeValue<string> | ContractFuture<string>;
type AddressArg = AccountRuntimeValue;

export type DeployDistributorOptions = {
  /** Dev only: oracle signers when the `signers` parameter is absent. */
  defaultSigners?: string[];
  /**
   * Dev only: role holders when their parameters are absent. Production passes none, so `proposer`,
   * `guardian` and `pauser` are required parameters: no role silently lands on the deployer.
   */
  defaultRoles?: { proposer: AddressArg; guardian: AddressArg; pauser: AddressArg };
  /** The account deploying and holding the default admin role (account 0 unless given). */
  admin?: AccountRuntimeValue;
};

/**
 * Deploys the distributor with `admin` (the deploying account) as the default admin, then grants
 * PROPOSER/GUARDIAN/PAUSER from parameters. The contract refuses the proposer role to the admin
 * (`AdminCannotPropose`). Hand the admin role to a `TimelockController` afterwards with
 * `beginDefaultAdminTransfer` (two-step, delayed): see README "Deployment: which keys must be separate".
 *
 * Parameters: `signers` (addresses, required unless `defaultSigners` is given), `threshold` (2),
 * `disputeWindowSeconds` (86 400), `maxOutflowPerWindow` (µUSD, 100 000 USD), `outflowWindowSeconds`
 * (86 400; 0 disables the breaker), `adminTransferDelaySeconds` (259 200), `proposer`, `guardian`, `pauser`.
 */
export function deployDistributor(m: IgnitionModuleBuilder, token: TokenArg, options: DeployDistributorOptions = {}) {
  const admin = options.admin ?? m.getAccount(0);
  const signers =
    options.defaultSigners === undefined
      ? m.getParameter<string[]>("signers")
      : m.getParameter("signers", options.defaultSigners);
  const distributor = m.contract(
    "RewardsDistributor",
    [
      token,
      admin,
      m.getParameter("adminTransferDelaySeconds", 3 * 86_400),
      signers,
      m.getParameter("threshold", 2),
      m.getParameter("disputeWindowSeconds", 86_400),
      m.getParameter("maxOutflowPerWindow", 100_000_000_000n),
      m.getParameter("outflowWindowSeconds", 86_400),
    ],
    { from: admin },
  );
  for (const [role, param] of [
    ["PROPOSER_ROLE", "proposer"],
    ["GUARDIAN_ROLE", "guardian"],
    ["PAUSER_ROLE", "pauser"],
  ] as const) {
    const roleId = m.staticCall(distributor, role, [], 0, { id: `${role}_id` });
    const fallback = options.defaultRoles?.[param];
    const holder = fallback === undefined ? m.getParameter<string>(param) : m.getParameter(param, fallback);
    m.call(distributor, "grantRole", [roleId, holder], { id: `grant_${role}`, from: admin });
  }
  return distributor;
}
