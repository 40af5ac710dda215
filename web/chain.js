// The chain side of the dashboard: what the page asks of the RewardsDistributor, over the
// provider web/chain-rpc.js picks — an account's finalized root, claimed amount and balance, an
// epoch's record and its `receiptsRoot` (from its `RootProposed` event); payout proofs parsed and
// folded to a root; the wallet's connect, chain switch and `claim`. Hashing and ABI encoding are
// viem's (bundled at /dashboard/vendor/viem.js), the ABIs the contracts' own
// (/dashboard/vendor/contracts.js, built from artifacts/); the tree's verification rule is web/merkle.js.
import { decodeEventLog, encodeEventTopics, encodeFunctionData, isAddress } from "./vendor/viem.js";
import { erc20Abi } from "./vendor/contracts.js";
import { DashboardError } from "./gql.js";
import { foldProof, PAYOUT_LEAF_ENCODING, standardLeafHash } from "./merkle.js";
import {
  assertChain,
  chainError,
  DISTRIBUTOR_ABI,
  injectedWallet,
  read,
  reader,
  readerWithSource,
} from "./chain-rpc.js";

export { assertChain, chainError, DISTRIBUTOR_ABI, injectedWallet, reader, readerWithSource } from "./chain-rpc.js";
/** @typedef {import("./chain-rpc.js").DashboardConfig} DashboardConfig */

/** An ERC-20's ABI (the page reads `balanceOf`), from the artifact too. */
const ERC20_ABI = erc20Abi;

/**
 * What the chain says about an account: the finalized root and epoch, and what it claimed.
 * @param {DashboardConfig} config
 * @param {`0x${string}`} account
 */
export async function chainState(config, account) {
  const p = reader(config);
  await assertChain(p, config);
  const d = config.distributor;
  const [finalizedEpoch, finalizedRoot, claimed, token] = await Promise.all([
    read(p, d, DISTRIBUTOR_ABI, "finalizedEpoch"),
    read(p, d, DISTRIBUTOR_ABI, "finalizedRoot"),
    read(p, d, DISTRIBUTOR_ABI, "claimed", [account]),
    read(p, d, DISTRIBUTOR_ABI, "TOKEN"),
  ]);
  const balance = await read(p, /** @type {`0x${string}`} */ (token), ERC20_ABI, "balanceOf", [account]);
  return {
    finalizedEpoch: /** @type {bigint} */ (finalizedEpoch),
    finalizedRoot: /** @type {`0x${string}`} */ (finalizedRoot),
    claimed: /** @type {bigint} */ (claimed),
    balance: /** @type {bigint} */ (balance),
  };
}

/**
 * The on-chain record of an epoch (root, total, validAt, status 0 None 1 Pending 2 Finalized 3 Vetoed).
 * @param {DashboardConfig} config
 * @param {bigint} epoch
 */
export async function epochRecord(config, epoch) {
  const p = reader(config);
  await assertChain(p, config);
  return /** @type {{ root: `0x${string}`, cumulativeTotal: bigint, validAt: bigint, status: number }} */ (
    await read(p, config.distributor, DISTRIBUTOR_ABI, "epochRecord", [epoch])
  );
}

/**
 * The root a proof leads to: OpenZeppelin StandardMerkleTree's leaf
 * `keccak256(keccak256(abi.encode(account, amount)))`, folded with sorted-pair keccak.
 * @param {`0x${string}`} account
 * @param {bigint} cumulativeAmount
 * @param {`0x${string}`[]} proof
 */
export function rootFromProof(account, cumulativeAmount, proof) {
  return foldProof(standardLeafHash(PAYOUT_LEAF_ENCODING, [account, cumulativeAmount]), proof);
}

/** Blocks per `eth_getLogs` request at first (halved when the node refuses the range). */
const LOG_CHUNK_BLOCKS = 10_000n;
/** A node's refusal of a log query's size ("block range too large", "more than 10000 results"…). */
const LOG_RANGE_REFUSED = /range|too many|too large|more than \d+|response size/i;

/**
 * What the chain itself says an epoch's `receiptsRoot` is: the `receiptsRoot` of the
 * `RootProposed` event whose root is the epoch's current on-chain root (`epochRecord`), found
 * by scanning the distributor's logs backwards in bounded chunks down to its deployment block
 * (as `ledger verify-receipt` does). `receiptsRoot` is null when the epoch has no proposal.
 * @param {DashboardConfig} config
 * @param {bigint} epoch
 */
export async function epochReceiptsRoot(config, epoch) {
  const { provider, via, trustsServer } = readerWithSource(config);
  await assertChain(provider, config);
  const record = /** @type {{ root: `0x${string}`, status: number }} */ (
    await read(provider, config.distributor, DISTRIBUTOR_ABI, "epochRecord", [epoch])
  );
  const status = ["None", "Pending", "Finalized", "Vetoed"][record.status] ?? `status ${record.status}`;
  const topics = encodeEventTopics({ abi: DISTRIBUTOR_ABI, eventName: "RootProposed", args: { epoch } });
  /** @type {(from: bigint, to: bigint) => Promise<any[]>} */
  const logs = async (from, to) => {
    try {
      return await provider.request({
        method: "eth_getLogs",
        params: [
          {
            address: config.distributor,
            topics,
            fromBlock: `0x${from.toString(16)}`,
            toBlock: `0x${to.toString(16)}`,
          },
        ],
      });
    } catch (err) {
      throw Object.assign(chainError(err), {
        rangeRefused: LOG_RANGE_REFUSED.test(String(/** @type {any} */ (err)?.message)),
      });
    }
  };
  /** @type {`0x${string}` | null} */
  let receiptsRoot = null;
  if (record.status !== 0) {
    const floor = BigInt(config.startBlock ?? "0");
    let size = LOG_CHUNK_BLOCKS;
    let to = BigInt(await provider.request({ method: "eth_blockNumber" }));
    while (to >= floor && receiptsRoot === null) {
      const from = to - size + 1n > floor ? to - size + 1n : floor;
      let found;
      try {
        found = await logs(from, to);
      } catch (err) {
        if (to > from && /** @type {any} */ (err).rangeRefused) {
          size = (to - from + 1n) / 2n;
          continue;
        }
        throw err;
      }
      for (const log of [...found].reverse()) {
        const e = /** @type {any} */ (decodeEventLog({ abi: DISTRIBUTOR_ABI, data: log.data, topics: log.topics }));
        if (e.eventName === "RootProposed" && e.args.root.toLowerCase() === record.root.toLowerCase()) {
          receiptsRoot = /** @type {`0x${string}`} */ (e.args.receiptsRoot.toLowerCase());
          break;
        }
      }
      to = from - 1n;
    }
  }
  return { epoch, status, root: record.root, receiptsRoot, via, trustsServer };
}

/**
 * Parses a proof someone pasted: `{ account?, cumulativeAmount | cumulativeMicroUsd, proof, epoch? }`.
 * @param {string} text
 */
export function parseProof(text) {
  /** @type {any} */
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    throw new DashboardError("The proof is not valid JSON.", "BAD_PROOF");
  }
  const amount = v?.cumulativeAmount ?? v?.cumulativeMicroUsd ?? v?.amount;
  if (typeof amount !== "string" && typeof amount !== "number")
    throw new DashboardError("The proof needs `cumulativeAmount` (µUSD, a decimal string).", "BAD_PROOF");
  if (!/^\d+$/.test(String(amount)))
    throw new DashboardError("`cumulativeAmount` must be a whole number of µUSD.", "BAD_PROOF");
  if (!Array.isArray(v.proof) || !v.proof.every((/** @type {unknown} */ h) => /^0x[0-9a-fA-F]{64}$/.test(String(h))))
    throw new DashboardError("`proof` must be a list of 32-byte hex hashes.", "BAD_PROOF");
  if (v.account !== undefined && !isAddress(String(v.account)))
    throw new DashboardError("`account` in the proof is not an address.", "BAD_PROOF");
  return {
    account: v.account ? /** @type {`0x${string}`} */ (String(v.account).toLowerCase()) : undefined,
    cumulativeAmount: BigInt(amount),
    proof: /** @type {`0x${string}`[]} */ (v.proof.map((/** @type {string} */ h) => h.toLowerCase())),
    epoch: v.epoch !== undefined ? String(v.epoch) : undefined,
  };
}

/**
 * Asks the wallet for an account on the right chain.
 * @param {DashboardConfig} config
 * @param {string} [noWallet] the sentence shown when the browser has no wallet
 * @returns {Promise<`0x${string}`>}
 */
export async function connectWallet(
  config,
  noWallet = "No browser wallet found. Install one (an EIP-1193 wallet such as MetaMask) or look up an address instead.",
) {
  const wallet = injectedWallet();
  if (!wallet) throw new DashboardError(noWallet, "NO_WALLET");
  let accounts;
  try {
    accounts = await wallet.request({ method: "eth_requestAccounts" });
  } catch (err) {
    throw chainError(err);
  }
  if (!accounts?.length) throw new DashboardError("The wallet shared no account.", "NO_ACCOUNT");
  await assertChain(wallet, config);
  return /** @type {`0x${string}`} */ (String(accounts[0]).toLowerCase());
}

/**
 * Asks the wallet to switch to the distributor's chain.
 * @param {DashboardConfig} config
 */
export async function switchChain(config) {
  const wallet = injectedWallet();
  if (!wallet) throw new DashboardError("No browser wallet found.", "NO_WALLET");
  try {
    await wallet.request({
      method: "wallet_switchEthereumChain",
      params: [{ chainId: `0x${config.chainId.toString(16)}` }],
    });
  } catch (err) {
    throw chainError(err);
  }
}

/**
 * Sends `claim(account, cumulativeAmount, proof)` from the connected wallet and waits for it.
 * Simulates first, so a claim that would revert says why instead of costing gas.
 * @param {DashboardConfig} config
 * @param {{ from: `0x${string}`, account: `0x${string}`, cumulativeAmount: bigint, proof: `0x${string}`[] }} c
 * @returns {Promise<`0x${string}`>} the transaction hash
 */
export async function claim(config, c) {
  const wallet = injectedWallet();
  if (!wallet) throw new DashboardError("Connect a browser wallet to claim.", "NO_WALLET");
  await assertChain(wallet, config);
  const data = encodeFunctionData({
    abi: DISTRIBUTOR_ABI,
    functionName: "claim",
    args: [c.account, c.cumulativeAmount, c.proof],
  });
  const tx = { from: c.from, to: config.distributor, data };
  try {
    await wallet.request({ method: "eth_call", params: [tx, "latest"] });
  } catch (err) {
    throw chainError(err);
  }
  let hash;
  try {
    hash = await wallet.request({ method: "eth_sendTransaction", params: [tx] });
  } catch (err) {
    throw chainError(err);
  }
  for (let i = 0; i < 600; i++) {
    const receipt = await wallet.request({ method: "eth_getTransactionReceipt", params: [hash] });
    if (receipt) {
      if (receipt.status !== "0x1") throw new DashboardError(`The claim transaction ${hash} reverted.`, "REVERTED");
      return hash;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DashboardError(`The claim ${hash} was sent but is not mined yet; check your wallet.`, "PENDING");
}

/**
 * The EIP-712 `ClaimAuthorization` fields, in order: the components of `claimWithSig`'s
 * `authorization` tuple in the contract's own ABI, so they are the struct the contract hashes.
 * @returns {{ name: string, type: string }[]}
 */
function claimAuthorizationFields() {
  const fn = /** @type {any} */ (DISTRIBUTOR_ABI).find((/** @type {any} */ x) => x.name === "claimWithSig");
  return fn.inputs[0].components.map((/** @type {any} */ c) => ({ name: c.name, type: c.type }));
}

/** How long a gasless claim's signed authorization stays good (seconds past the chain's clock). */
const AUTHORIZATION_SECONDS = 3_600n;

/**
 * Asks the relayer (`config.relayerUrl`) what it is: its address, which the authorization names
 * as the only submitter, and its fee cap (µUSD), the most the authorization lets it keep.
 * @param {DashboardConfig} config
 */
export async function relayerInfo(config) {
  const body = await relayerFetch(config, "/healthz");
  if (!isAddress(String(body.relayer)) || !/^\d+$/.test(String(body.maxFeeMicroUsd)))
    throw new DashboardError(`The relayer at ${config.relayerUrl} gave no address and fee cap.`, "RELAYER_DOWN");
  return {
    relayer: /** @type {`0x${string}`} */ (String(body.relayer).toLowerCase()),
    maxFeeMicroUsd: BigInt(body.maxFeeMicroUsd),
  };
}

/**
 * A claim without gas: the wallet signs a `ClaimAuthorization` (EIP-712, `eth_signTypedData_v4`,
 * so it shows the typed fields) naming the relayer and its fee cap, for the account's next nonce,
 * good for an hour of chain time; the page posts it with the proof to `POST <relayerUrl>/v1/claims`,
 * which submits `claimWithSig` and pays the gas. Hands on the transaction hash and the fee kept.
 * @param {DashboardConfig} config
 * @param {{ from: `0x${string}`, account: `0x${string}`, cumulativeAmount: bigint, proof: `0x${string}`[] }} c
 * @returns {Promise<{ transactionHash: `0x${string}`, feeMicroUsd: bigint }>}
 */
export async function claimWithoutGas(config, c) {
  const wallet = injectedWallet();
  if (!wallet) throw new DashboardError("Connect a browser wallet to sign the claim.", "NO_WALLET");
  if (c.from !== c.account)
    throw new DashboardError(
      `Only ${c.account} can sign its gasless claim; your wallet is ${c.from}. Switch accounts in your wallet.`,
      "WRONG_SIGNER",
    );
  await assertChain(wallet, config);
  const { relayer, maxFeeMicroUsd } = await relayerInfo(config);
  let nonce, block;
  try {
    [nonce, block] = await Promise.all([
      read(wallet, config.distributor, DISTRIBUTOR_ABI, "nonces", [c.account]),
      wallet.request({ method: "eth_getBlockByNumber", params: ["latest", false] }),
    ]);
  } catch (err) {
    throw chainError(err);
  }
  const deadline = BigInt(block.timestamp) + AUTHORIZATION_SECONDS;
  const message = {
    account: c.account,
    recipient: c.account,
    relayer,
    maxRelayerFee: maxFeeMicroUsd.toString(),
    nonce: /** @type {bigint} */ (nonce).toString(),
    deadline: deadline.toString(),
  };
  const typedData = {
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
      ClaimAuthorization: claimAuthorizationFields(),
    },
    primaryType: "ClaimAuthorization",
    domain: {
      name: "StreamrP2P RewardsDistributor",
      version: "1",
      chainId: config.chainId,
      verifyingContract: config.distributor,
    },
    message,
  };
  let signature;
  try {
    signature = await wallet.request({ method: "eth_signTypedData_v4", params: [c.from, JSON.stringify(typedData)] });
  } catch (err) {
    throw chainError(err);
  }
  const body = await relayerFetch(config, "/v1/claims", {
    ...message,
    chainId: config.chainId,
    distributor: config.distributor,
    signature: String(signature).toLowerCase(),
    cumulativeMicroUsd: c.cumulativeAmount.toString(),
    proof: c.proof,
  });
  return {
    transactionHash: /** @type {`0x${string}`} */ (body.transactionHash),
    feeMicroUsd: BigInt(body.feeMicroUsd),
  };
}

/**
 * GET (no body) or POST (a JSON body) to the relayer; its refusal `{ code, message }` becomes a
 * DashboardError with the relayer's own sentence.
 * @param {DashboardConfig} config
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function relayerFetch(config, path, body) {
  if (!config.relayerUrl) throw new DashboardError("This server names no gasless-claim relayer.", "NO_RELAYER");
  let res;
  try {
    res = await fetch(`${config.relayerUrl}${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
  } catch {
    throw new DashboardError(
      `The relayer at ${config.relayerUrl} is unreachable; nothing was claimed.`,
      "RELAYER_DOWN",
    );
  }
  /** @type {any} */
  let answer = null;
  try {
    answer = await res.json();
  } catch {
    // not JSON: said below
  }
  if (!res.ok || answer === null)
    throw new DashboardError(
      `The relayer refused the claim: ${answer?.message ?? `it answered HTTP ${res.status}.`}`,
      String(answer?.code ?? "RELAYER_ERROR"),
    );
  return answer;
}
