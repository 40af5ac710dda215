// One receipt's inclusion, checked in the browser without trusting the API (issue 16): the
// receipt's id is recomputed here from its fields (its EIP-712 digest), the API is asked only
// for the receipt's counted bytes and Merkle proof, the leaf and the path are hashed here
// (web/merkle.js, the rule of core/receipts-tree.ts), and the root they must reach is read from
// the chain: the `receiptsRoot` of the epoch's `RootProposed` event. The browser version of
// `ledger verify-receipt`.
import { epochReceiptsRoot } from "./chain.js";
import { gql } from "./gql.js";
import { foldProof, receiptLeafHash } from "./merkle.js";
import { hashTypedData } from "./vendor/viem.js";

/** The EIP-712 `Receipt` type (core/eip712/receipts.ts `receiptTypes`; the browser tests compare the two). */
export const RECEIPT_TYPES = {
  Receipt: [
    { name: "sessionId", type: "bytes32" },
    { name: "supporter", type: "address" },
    { name: "viewer", type: "address" },
    { name: "seq", type: "uint64" },
    { name: "cumulativeBytes", type: "uint256" },
    { name: "timestamp", type: "uint64" },
  ],
};

/** @typedef {import("./chain.js").DashboardConfig} DashboardConfig */
/**
 * A receipt as `Supporter.receipts` lists it (decimal strings for the numbers).
 * @typedef {{ epoch: string, sessionId: `0x${string}`, supporter: `0x${string}`, viewer: `0x${string}`, seq: string, cumulativeBytes: string, timestamp: string }} ListedReceipt
 */

/**
 * The receipt's id: the EIP-712 digest of its fields under the ledger's domain.
 * @param {DashboardConfig} config
 * @param {ListedReceipt} r
 * @returns {`0x${string}`}
 */
export function receiptIdOf(config, r) {
  return hashTypedData({
    domain: {
      name: "StreamrP2P RewardsDistributor",
      version: "1",
      chainId: config.chainId,
      verifyingContract: config.distributor,
    },
    types: RECEIPT_TYPES,
    primaryType: "Receipt",
    message: {
      sessionId: r.sessionId,
      supporter: r.supporter,
      viewer: r.viewer,
      seq: BigInt(r.seq),
      cumulativeBytes: BigInt(r.cumulativeBytes),
      timestamp: BigInt(r.timestamp),
    },
  }).toLowerCase();
}

const INCLUSION = `query ($epoch: BigInt!, $receiptId: Bytes!) {
  receiptInclusion(epoch: $epoch, receiptId: $receiptId) { chainEpoch receiptId countedBytes leaf proof }
}`;

/**
 * @typedef {{
 *   ok: boolean, receiptId: `0x${string}`, chainEpoch: string | null, countedBytes: bigint | null,
 *   leaf: `0x${string}` | null, computedRoot: `0x${string}` | null, receiptsRoot: `0x${string}` | null,
 *   status: string | null, via: string | null, trustsServer: boolean, reason?: string
 * }} ReceiptCheck
 */

/**
 * Checks that `r` was counted, and how much, under its epoch's on-chain `receiptsRoot`.
 * A wrong count, a wrong proof, a proof for another receipt or epoch all fail, with a reason.
 * @param {DashboardConfig} config
 * @param {ListedReceipt} r
 * @returns {Promise<ReceiptCheck>}
 */
export async function checkReceipt(config, r) {
  const receiptId = receiptIdOf(config, r);
  /** @type {ReceiptCheck} */
  const result = {
    ok: false,
    receiptId,
    chainEpoch: null,
    countedBytes: null,
    leaf: null,
    computedRoot: null,
    receiptsRoot: null,
    status: null,
    via: null,
    trustsServer: false,
  };
  const fail = (/** @type {string} */ reason) => ({ ...result, ok: false, reason });
  const { receiptInclusion: inc } = await gql(INCLUSION, { epoch: r.epoch, receiptId });
  if (!inc)
    return fail(
      "The API has no inclusion proof for this receipt: it counted nothing (flagged or a duplicate), or its epoch is not computed yet.",
    );
  if (String(inc.receiptId).toLowerCase() !== receiptId)
    return fail(`The API answered with a proof for another receipt (${inc.receiptId}), so nothing is proven.`);
  if (inc.chainEpoch === null || !/^\d+$/.test(String(inc.chainEpoch)))
    return fail("The API does not say which on-chain epoch holds this receipt, so nothing can be checked yet.");
  result.chainEpoch = String(inc.chainEpoch);
  if (!/^\d+$/.test(String(inc.countedBytes)))
    return fail("The API's counted bytes for this receipt are not a whole number, so nothing is proven.");
  if (
    !Array.isArray(inc.proof) ||
    !inc.proof.every((/** @type {unknown} */ h) => /^0x[0-9a-fA-F]{64}$/.test(String(h)))
  )
    return fail("The API's proof is not a list of 32-byte hashes, so nothing is proven.");
  result.countedBytes = BigInt(inc.countedBytes);
  result.leaf = receiptLeafHash(receiptId, result.countedBytes);
  result.computedRoot = foldProof(result.leaf, inc.proof);
  const chain = await epochReceiptsRoot(config, BigInt(result.chainEpoch));
  Object.assign(result, {
    receiptsRoot: chain.receiptsRoot,
    status: chain.status,
    via: chain.via,
    trustsServer: chain.trustsServer,
  });
  if (chain.receiptsRoot === null)
    return fail(
      `Epoch ${result.chainEpoch} has no proposal on-chain, so there is no receiptsRoot to check against yet.`,
    );
  if (String(inc.leaf).toLowerCase() !== result.leaf)
    return fail(
      `Not included: the API's leaf ${inc.leaf} is not the hash of this receipt with ${result.countedBytes} counted bytes.`,
    );
  if (result.computedRoot !== chain.receiptsRoot)
    return fail(
      `Not included: the proof leads to ${result.computedRoot}, not to the on-chain receiptsRoot of epoch ${result.chainEpoch} (${chain.receiptsRoot}).`,
    );
  if (chain.status === "Vetoed")
    return fail(
      `This receipt is in the receiptsRoot of epoch ${result.chainEpoch}'s proposal, but the guardian vetoed that root on-chain: wait until epoch ${result.chainEpoch} is proposed again.`,
    );
  return { ...result, ok: true };
}
