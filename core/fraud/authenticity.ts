/**
 * Rule 1, authenticity (→ `rejected`): takes one submitted receipt and its verify result and
 * hands on its `Work` record with the rejecting reasons that fired (MALFORMED, WRONG_DOMAIN,
 * INVALID_SIGNATURE, NO_GRANT, GRANT_EXPIRED, OUT_OF_EPOCH, UNREGISTERED). Pure.
 */
import type { Address, RewardsDomain } from "../eip712/domain.ts";
import type { SignedReceipt } from "../eip712/receipts.ts";
import { selectGrant, type GrantCandidate } from "../admission.ts";
import { toLower } from "../lower.ts";
import type { VerifyResult } from "../verify.ts";
import { lower, R, type NodeInfo, type Work } from "./work.ts";

/** What rule 1 reads besides the receipt, built once per epoch. */
export type AuthenticityContext = {
  domain: RewardsDomain;
  epochStart: bigint;
  epochEnd: bigint;
  grantsBySession: ReadonlyMap<string, GrantCandidate[]>;
  nodeInfo: ReadonlyMap<Address, NodeInfo>;
};

const sameDomain = (d: RewardsDomain, domain: RewardsDomain) =>
  d.chainId === domain.chainId && toLower(d.verifyingContract) === toLower(domain.verifyingContract);

/** The `Work` record of the `index`-th receipt, with rule 1's reasons set. */
export function authenticate(
  sub: SignedReceipt & { domain?: RewardsDomain | undefined },
  index: number,
  r: VerifyResult | undefined,
  ctx: AuthenticityContext,
): Work {
  const receipt = sub.message;
  const w: Work = {
    index,
    receipt,
    signature: typeof sub.signature === "string" ? toLower(sub.signature) : "",
    id: r?.digest ?? null,
    session: "",
    supporter: "0x",
    viewer: "0x",
    grant: undefined,
    reasons: 0,
    claimedBytes: 0n,
    countedBytes: 0n,
    monotonic: false,
    override: undefined,
    node: undefined,
    stream: undefined,
  };
  if (!r || r.digest === null) {
    w.reasons |= R.MALFORMED;
    return w;
  }
  w.session = toLower(receipt.sessionId);
  w.supporter = lower(receipt.supporter);
  w.viewer = lower(receipt.viewer);
  if (sub.domain && !sameDomain(sub.domain, ctx.domain)) w.reasons |= R.WRONG_DOMAIN;
  else if (!r.valid) w.reasons |= R.INVALID_SIGNATURE;
  // the session's grants to this viewer key: the one covering the timestamp (core/admission.ts)
  const granted = selectGrant(ctx.grantsBySession.get(w.session), w.viewer, receipt.timestamp);
  if (granted.reason === "NO_GRANT") w.reasons |= R.NO_GRANT;
  else if (granted.reason === "GRANT_EXPIRED") w.reasons |= R.GRANT_EXPIRED;
  else w.grant = granted.grant;
  if (receipt.timestamp < ctx.epochStart || receipt.timestamp >= ctx.epochEnd) w.reasons |= R.OUT_OF_EPOCH;
  w.node = ctx.nodeInfo.get(w.supporter);
  if (w.node === undefined) w.reasons |= R.UNREGISTERED;
  return w;
}
