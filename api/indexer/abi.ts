/**
 * The RewardsDistributor ABI, read from Hardhat's compiled artifact (never hand-copied).
 * `npm run build` (or `npm test`) produces it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Abi } from "viem";
import { IndexerConfigError } from "./errors.ts";

const ARTIFACT = fileURLToPath(
  new URL("../../artifacts/contracts/RewardsDistributor.sol/RewardsDistributor.json", import.meta.url),
);

let cached: Abi | undefined;

/** The distributor's ABI; throws `IndexerConfigError` when the contracts were not built. */
export function distributorAbi(): Abi {
  if (cached) return cached;
  try {
    cached = (JSON.parse(readFileSync(ARTIFACT, "utf8")) as { abi: Abi }).abi;
  } catch (cause) {
    throw new IndexerConfigError("the RewardsDistributor artifact is missing: run `npm run build`", cause);
  }
  return cached;
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
