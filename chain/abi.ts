/**
 * The contracts' ABIs, read from Hardhat's compiled artifacts (never hand-copied), for every
 * process that talks to the chain: the oracle, the indexer, the CLI. Reading JSON needs neither
 * Hardhat nor solc at run time; `npm run build` (or `npm start`, `npm test`) produces them.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ArtifactMap } from "hardhat/types/artifacts";
import type { Abi } from "viem";
import { ArtifactMissingError } from "./errors.ts";

export type DistributorAbi = ArtifactMap["RewardsDistributor"]["abi"];

const ARTIFACTS = {
  RewardsDistributor: "../artifacts/contracts/RewardsDistributor.sol/RewardsDistributor.json",
  RewardsTimelock: "../artifacts/contracts/governance/RewardsTimelock.sol/RewardsTimelock.json",
} as const;

const cached = new Map<keyof typeof ARTIFACTS, Abi>();

function artifactAbi(name: keyof typeof ARTIFACTS): Abi {
  let abi = cached.get(name);
  if (abi) return abi;
  const file = fileURLToPath(new URL(ARTIFACTS[name], import.meta.url));
  try {
    abi = (JSON.parse(readFileSync(file, "utf8")) as { abi: Abi }).abi;
  } catch (cause) {
    throw new ArtifactMissingError(name, file, cause);
  }
  cached.set(name, abi);
  return abi;
}

/** The RewardsDistributor's ABI; throws `ArtifactMissingError` when the contracts were not built. */
export function distributorAbi(): DistributorAbi {
  return artifactAbi("RewardsDistributor") as DistributorAbi;
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
