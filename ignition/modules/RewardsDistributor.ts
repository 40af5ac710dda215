/**
 * Production deployment: the RewardsDistributor over an existing USD stablecoin, governed by a
 * RewardsTimelock (its default admin). Required parameters: `token` (the stablecoin's address), `signers`
 * (oracle signer addresses), `proposer`, `guardian`, `pauser` and `governors`; see `ignition/distributor.ts`
 * for the rest and `ignition/parameters.example.json` for a template. `ledger deploy` checks the file first.
 *
 *   npx hardhat ignition deploy ignition/modules/RewardsDistributor.ts --network baseSepolia \
 *     --parameters ignition/parameters.json
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { deployDistributor } from "../distributor.ts";

export default buildModule("RewardsDistributor", (m) => {
  const { distributor, timelock, setup } = deployDistributor(m, m.getParameter<string>("token"));
  return { distributor, timelock, setup };
});
