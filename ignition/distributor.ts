/**
 * The one place that wires a RewardsDistributor deployment, shared by the production and dev modules:
 * constructor arguments and role grants from module parameters.
 */
import type {
  ContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";

type TokenArg = string | ModuleParameterRuntimeValue<string> | ContractFuture<string>;

/**
 * Deploys the distributor with the deploying account (account 0) as the default admin, then grants
 * PROPOSER/GUARDIAN/PAUSER from parameters (each defaulting to the deployer). Hand the admin role over
 * afterwards with `beginDefaultAdminTransfer` (two-step, delayed).
 *
 * Parameters: `signers` (addresses, required unless `defaultSigners` is given), `threshold` (2),
 * `disputeWindowSeconds` (86 400), `maxOutflowPerWindow` (µUSD, 100 000 USD), `outflowWindowSeconds`
 * (86 400; 0 disables the breaker), `adminTransferDelaySeconds` (259 200), `proposer`, `guardian`, `pauser`.
 */
export function deployDistributor(m: IgnitionModuleBuilder, token: TokenArg, defaultSigners?: string[]) {
  const deployer = m.getAccount(0);
  const signers =
    defaultSigners === undefined ? m.getParameter<string[]>("signers") : m.getParameter("signers", defaultSigners);
  const distributor = m.contract("RewardsDistributor", [
    token,
    deployer,
    m.getParameter("adminTransferDelaySeconds", 3 * 86_400),
    signers,
    m.getParameter("threshold", 2),
    m.getParameter("disputeWindowSeconds", 86_400),
    m.getParameter("maxOutflowPerWindow", 100_000_000_000n),
    m.getParameter("outflowWindowSeconds", 86_400),
  ]);
  for (const [role, param] of [
    ["PROPOSER_ROLE", "proposer"],
    ["GUARDIAN_ROLE", "guardian"],
    ["PAUSER_ROLE", "pauser"],
  ] as const) {
    const roleId = m.staticCall(distributor, role, [], 0, { id: `${role}_id` });
    m.call(distributor, "grantRole", [roleId, m.getParameter(param, deployer)], { id: `grant_${role}` });
  }
  return distributor;
}
