/**
 * Production deployment: the RewardsDistributor over an existing USD stablecoin.
 * Required parameters: `token` (the stablecoin's address) and `signers` (oracle signer addresses); see
 * `ignition/distributor.ts` for the rest and `ignition/parameters.example.json` for a template.
 *
 *   npx hardhat ignition deploy ignition/modules/RewardsDistributor.ts --network baseSepolia \
 *     --parameters ignition/parameters.json
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { deployDistributor } from "../distributor.ts";

export default buildModule("RewardsDistributor", (m) => {
  const distributor = deployDistributor(m, m.getParameter<string>("token"));
  return { distributor };
});
