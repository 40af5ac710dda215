/**
 * Development deployment (in-process network or `hardhat node`): MockUSD, the distributor over it, governed
 * like production by a RewardsTimelock (its default admin) whose delay is the dev dispute window, with dev
 * account #1 as the timelock's governor (proposer, canceller) and executor and the guardian (account #0, also
 * the distributor's proposer and pauser unless given) as its canceller, and
 * `initialFunding` µUSD minted to the deployer and funded into the pool. Oracle signers default to Hardhat's
 * well-known dev accounts #5–#7 (2-of-3).
 *
 *   npx hardhat ignition deploy ignition/modules/DevRewardsDistributor.ts              # in-process
 *   npx hardhat ignition deploy ignition/modules/DevRewardsDistributor.ts --network localhost
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { deployDistributor } from "../distributor.ts";
import MockUSDModule from "./MockUSD.ts";

/** Hardhat's default-mnemonic accounts #5, #6, #7 (public test keys). */
export const DEV_SIGNERS = [
  "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
  "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
];

export default buildModule("DevRewardsDistributor", (m) => {
  const { usd } = m.useModule(MockUSDModule);
  // Account #0 is the dev oracle's proposer key (and the guardian); account #1 governs through the timelock.
  // The distributor is deployed from #1 as before, so its dev address does not move.
  const deployer = m.getAccount(0);
  const governor = m.getAccount(1);
  const { distributor, timelock } = deployDistributor(m, usd, {
    defaultSigners: DEV_SIGNERS,
    // account #8 signs the dev policy inputs (budget, rate cards, founders, flag decisions)
    defaultRoles: { proposer: deployer, guardian: deployer, pauser: deployer, policy: m.getAccount(8) },
    fixedGovernance: { governors: [governor], executors: [governor] },
    distributorFrom: governor,
  });
  const funding = m.getParameter("initialFunding", 1_000_000_000_000n); // 1 000 000 USD
  const mint = m.call(usd, "mint", [m.getAccount(0), funding]);
  const approve = m.call(usd, "approve", [distributor, funding], { after: [mint] });
  m.call(distributor, "fund", [funding], { after: [approve] });
  return { usd, distributor, timelock };
});
