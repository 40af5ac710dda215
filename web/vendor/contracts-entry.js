// The contract ABIs the dashboard calls, taken from Hardhat's artifacts (`npx hardhat build`) when
// scripts/lib/build.ts bundles this file into /dashboard/vendor/contracts.js: never copied by hand.
export { abi as distributorAbi } from "../../artifacts/contracts/RewardsDistributor.sol/RewardsDistributor.json";
// MockUSD is OpenZeppelin's ERC-20: the page reads only `balanceOf`, the same on any ERC-20 token.
export { abi as erc20Abi } from "../../artifacts/contracts/mocks/MockUSD.sol/MockUSD.json";
// The RewardsTimelock (OpenZeppelin's TimelockController): the Admin view schedules, cancels and executes through it.
export { abi as timelockAbi } from "../../artifacts/contracts/governance/RewardsTimelock.sol/RewardsTimelock.json";
