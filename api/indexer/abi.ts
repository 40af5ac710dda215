/**
 * The RewardsDistributor ABI, read from Hardhat's compiled artifact (never hand-copied).
 * `npm run build` (or `npm test`) produces it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Abi } from "viem";
import { IndexerConfigError } from "./errors.ts";

const ARTIFACTS = {
  RewardsDistributor: "../../artifacts/contracts/RewardsDistributor.sol/RewardsDistributor.json",
  RewardsTimelock: "../../artifacts/contracts/governance/RewardsTimelock.sol/RewardsTimelock.json",
} as const;

const cached = new Map<keyof typeof ARTIFACTS, Abi>();

function artifactAbi(name: keyof typeof ARTIFACTS): Abi {
  let abi = cached.get(name);
  if (abi) return abi;
  try {
    abi = (JSON.parse(readFileSync(fileURLToPath(new URL(ARTIFACTS[name], import.meta.url)), "utf8")) as { abi: Abi })
      .abi;
  } catch (cause) {
    throw new IndexerConfigError(`the ${name} artifact is missing: run \`npm run build\``, cause);
  }
  cached.set(name, abi);
  return abi;
}

/** The distributor's ABI; throws `IndexerConfigError` when the contracts were not built. */
export function distributorAbi(): Abi {
  return artifactAbi("RewardsDistributor");
}

/** The production admin's ABI (OpenZeppelin's TimelockController, unchanged). */
export function timelockAbi(): Abi {
  return artifactAbi("RewardsTimelock");
}

/** The ERC-20 `balanceOf` the indexer reads for reconciliation. */
export const ERC20_BALANCE_OF_ABI = [
  {
    type: "function",
    name: "balanceOf",
    stateMutability: "view",
    inputs: [{ name: "account", type: "address" }],
    outputs: [{ name: "", type: "uint256" }],
  },
] as const;
