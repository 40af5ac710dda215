// The dashboard's connection to the chain: takes the page's DashboardConfig and hands on an
// EIP-1193 provider (the injected wallet `window.ethereum`, else the chain's public RPC the server
// names, `chainRpcUrl`, called directly, else the server's read-only RPC proxy), a contract `read`,
// the chain-id check, and `chainError`, which turns a wallet or RPC failure into one sentence.
// Encoding is viem's (bundled at /dashboard/vendor/viem.js), the ABIs the contracts' own
// (/dashboard/vendor/contracts.js, built from artifacts/); web/chain.js builds on it.
import { decodeErrorResult, decodeFunctionResult, encodeFunctionData } from "./vendor/viem.js";
import { distributorAbi } from "./vendor/contracts.js";
import { DashboardError } from "./gql.js";

/** The RewardsDistributor's ABI, from the compiled artifact (bundled at /dashboard/vendor/contracts.js). */
export const DISTRIBUTOR_ABI = distributorAbi;
/**
 * The distributor's errors `chainError` decodes: a revert with any other error of the contract
 * reads as the provider's own message, as it did when these were all the ABI the page knew.
 */
const DECODED_ERRORS = ["NoFinalizedRoot", "InvalidProof", "NothingToClaim", "OutflowLimitExceeded", "EnforcedPause"];
const ERRORS_ABI = DISTRIBUTOR_ABI.filter(
  (/** @type {any} */ x) => x.type === "error" && DECODED_ERRORS.includes(x.name),
);

/**
 * What /dashboard/config.json tells the page. `chainRpcUrl`: the chain's public JSON-RPC URL,
 * called directly from the browser (so what it reads does not pass through this server);
 * `rpcUrl`: this server's read-only proxy to its RPC; `startBlock`: the distributor's
 * deployment block (event scans never look below it).
 * @typedef {{ chainId: number, distributor: `0x${string}`, rpcUrl: string | null, chainRpcUrl?: string | null, relayerUrl?: string | null, startBlock?: string }} DashboardConfig
 */
/** @typedef {{ request(args: { method: string, params?: unknown[] }): Promise<any> }} Eip1193 */

/** @returns {Eip1193 | undefined} */
export function injectedWallet() {
  return /** @type {any} */ (window).ethereum;
}

/**
 * A provider to read the chain: the wallet if there is one, else the chain's public RPC
 * (direct), else this server's RPC proxy.
 * @param {DashboardConfig} config
 * @returns {Eip1193}
 */
export function reader(config) {
  return readerWithSource(config).provider;
}

/**
 * The provider `reader` picks and, in words, where its answers come from.
 * @param {DashboardConfig} config
 * @returns {{ provider: Eip1193, via: string, trustsServer: boolean }}
 */
export function readerWithSource(config) {
  const wallet = injectedWallet();
  if (wallet) return { provider: wallet, via: "your wallet's chain connection", trustsServer: false };
  if (config.chainRpcUrl)
    return {
      provider: jsonRpc(config.chainRpcUrl),
      via: `the chain's RPC at ${config.chainRpcUrl}`,
      trustsServer: false,
    };
  if (config.rpcUrl) return { provider: jsonRpc(config.rpcUrl), via: "this server's RPC proxy", trustsServer: true };
  throw new DashboardError(
    "To check against the chain, connect a wallet (this server has no public RPC configured).",
    "NO_CHAIN",
  );
}

/**
 * A JSON-RPC endpoint over fetch, as an EIP-1193 provider.
 * @param {string} url
 * @returns {Eip1193}
 */
function jsonRpc(url) {
  let id = 0;
  return {
    async request({ method, params = [] }) {
      let res;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
        });
      } catch {
        throw new DashboardError("The chain's RPC is unreachable.", "RPC_UNREACHABLE");
      }
      /** @type {any} */
      let body;
      try {
        body = await res.json();
      } catch {
        throw new DashboardError(`The chain's RPC answered HTTP ${res.status}.`, "RPC_UNREACHABLE");
      }
      if (body.error) {
        if (res.status === 502) throw new DashboardError(body.error.message, "RPC_UNREACHABLE");
        throw Object.assign(new Error(body.error.message), body.error);
      }
      return body.result;
    },
  };
}

/**
 * @param {Eip1193} provider
 * @param {`0x${string}`} to
 * @param {any} abi
 * @param {string} functionName
 * @param {unknown[]} [args]
 */
export async function read(provider, to, abi, functionName, args = []) {
  const data = encodeFunctionData({ abi, functionName, args });
  let result;
  try {
    result = await provider.request({ method: "eth_call", params: [{ to, data }, "latest"] });
  } catch (err) {
    throw chainError(err);
  }
  if (result === "0x")
    throw new DashboardError(
      `No RewardsDistributor at ${to} on this chain: is the wallet on the right network?`,
      "NO_CONTRACT",
    );
  return decodeFunctionResult({ abi, functionName, data: result });
}

/**
 * Checks that the provider is on the distributor's chain.
 * @param {Eip1193} provider
 * @param {DashboardConfig} config
 */
export async function assertChain(provider, config) {
  let hex;
  try {
    hex = await provider.request({ method: "eth_chainId" });
  } catch (err) {
    throw chainError(err);
  }
  const chainId = Number(BigInt(hex));
  if (chainId !== config.chainId)
    throw new DashboardError(
      `Your wallet is on chain ${chainId}, but the ledger's distributor is on chain ${config.chainId}. Switch networks in your wallet, then retry.`,
      "WRONG_CHAIN",
    );
}

/**
 * A wallet or RPC failure as one sentence: user rejection, a decoded contract error, or the
 * provider's own short message.
 * @param {any} err
 */
export function chainError(err) {
  if (err instanceof DashboardError) return err;
  if (err?.code === 4001) return new DashboardError("You rejected the request in your wallet.", "REJECTED");
  if (err?.code === 4902)
    return new DashboardError(
      "Your wallet does not know the ledger's chain; add it in the wallet first.",
      "UNKNOWN_CHAIN",
    );
  const data = findRevertData(err);
  if (data) {
    try {
      const e = decodeErrorResult({ abi: ERRORS_ABI, data });
      const args = /** @type {readonly unknown[]} */ (e.args ?? []);
      switch (e.errorName) {
        case "NothingToClaim":
          return new DashboardError(
            "Nothing to claim: everything in the finalized root is already claimed.",
            e.errorName,
          );
        case "InvalidProof":
          return new DashboardError(
            "The contract rejected the proof: it does not match the finalized root.",
            e.errorName,
          );
        case "NoFinalizedRoot":
          return new DashboardError("No epoch is finalized on-chain yet: nothing can be claimed.", e.errorName);
        case "EnforcedPause":
          return new DashboardError("Claims are paused by the distributor's pauser.", e.errorName);
        default:
          return new DashboardError(
            `The contract refused: ${e.errorName}(${args.map(String).join(", ")}).`,
            e.errorName,
          );
      }
    } catch {
      /* not one of ours */
    }
  }
  const msg = String(err?.shortMessage ?? err?.message ?? "the wallet failed").split("\n")[0];
  return new DashboardError(`The chain request failed: ${msg.slice(0, 200)}`, "CHAIN");
}

/** @param {any} err */
function findRevertData(err) {
  for (let e = err, i = 0; e && i < 5; e = e.cause ?? e.error, i++) {
    const d = typeof e.data === "string" ? e.data : e.data?.data;
    if (typeof d === "string" && /^0x[0-9a-fA-F]{8}/.test(d)) return /** @type {`0x${string}`} */ (d);
  }
  return undefined;
}
