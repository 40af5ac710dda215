import { BaseError } from "./errors.ts";
import { hashTypedMessageBytes } from "./eip712/hash.ts";
import { bytesToHex, type Hex } from "./hex.ts";
import type { Address, RewardsDomain, Signed } from "./eip712/domain.ts";
import type { Messages } from "./eip712/messages.ts";
import type {
  FlagDecision,
  SignedEpochBudget,
  SignedFlagDecision,
  SignedFounderStatus,
  SignedRateCardApproval,
} from "./eip712/policy.ts";
import { keccak256Utf8 } from "./keccak.ts";
import { DEFAULT_RATE_CARD, rateCardHash } from "./ratecard.ts";
import type { RateCard } from "./ratecard.ts";
import { InvalidSignatureError, recoverDigestSigner } from "./signature.ts";
import type { Override, ReceiptVerdict } from "./verdict.ts";
import type { ReceiptSubmission } from "./fraud.ts";

/**
 * The discretionary inputs of an epoch — the budget, the rate card, founder status and flag
 * decisions — are EIP-712 messages signed by a key holding the distributor's `POLICY_ROLE`
 * (granted and revoked only by the distributor's admin: the timelock in production). The
 * dataset carries each with its signature; the oracle, every signer and `ledger verify-epoch`
 * recover the signers here and check on-chain that each holds the role. Pure: no I/O.
 *
 * - budget: the latest `EpochBudget` with `fromEpoch ≤ epoch` (then the latest `issuedAt`);
 * - rate card: a `RateCardApproval` of the card's hash, unless the card is core's built-in
 *   `DEFAULT_RATE_CARD` (public code, no signature needed);
 * - founders: per node, the latest `FounderStatus` with `effectiveEpoch ≤ epoch`; the founder
 *   multiplier applies to that node's bytes only, never to other nodes paying to the same address;
 * - flag decisions: of this epoch, resolved to per-receipt overrides by `resolveFlagDecisions`.
 */

/** `keccak256("POLICY_ROLE")`: the AccessControl role of the distributor whose holders sign policy. */
export const POLICY_ROLE: Hex = bytesToHex(keccak256Utf8("POLICY_ROLE"));

/** The zero session id of a `FlagDecision` that covers every session of its node. */
export const ALL_SESSIONS: Hex = `0x${"00".repeat(32)}`;

/** The signed discretionary inputs of one epoch, as the dataset carries them. */
export type PolicyInputs = {
  epoch: bigint;
  domain: RewardsDomain;
  budgetMicroUsd: bigint;
  budgetApproval: SignedEpochBudget | null;
  rateCard: RateCard;
  rateCardApproval: SignedRateCardApproval | null;
  founders: readonly SignedFounderStatus[];
  flagDecisions: readonly SignedFlagDecision[];
};

/** Which policy input is at fault. */
export type PolicySection = "budgetApproval" | "rateCardApproval" | "founder" | "flagDecision";

export class PolicyInputError extends BaseError {
  override name = "PolicyInputError";
  readonly section: PolicySection;
  /** The node, epoch or card the input is about. */
  readonly key: string;
  constructor(section: PolicySection, key: string, reason: string, details?: string) {
    super(`Policy input ${section} ${key}: ${reason}.`, { details });
    this.section = section;
    this.key = key;
  }
}

/** One recovered policy signer and what it signed (for the on-chain role check and the report). */
export type PolicySignature = { section: PolicySection; key: string; signer: Address };

/** The signer of a policy message, or a `PolicyInputError` naming the input. */
export function policySigner<T extends keyof Messages>(
  domain: RewardsDomain,
  primaryType: T,
  signed: Signed<Messages[T]>,
  section: PolicySection,
  key: string,
): Address {
  let digest: Uint8Array;
  try {
    digest = hashTypedMessageBytes(domain, primaryType, signed.message);
  } catch (err) {
    throw new PolicyInputError(section, key, `malformed ${primaryType} (${(err as Error).message})`);
  }
  try {
    return recoverDigestSigner(digest, signed.signature);
  } catch (err) {
    if (!(err instanceof InvalidSignatureError)) throw err;
    throw new PolicyInputError(section, key, `its signature is invalid (${err.code})`);
  }
}

/**
 * Checks that every discretionary input is present, consistent with what the epoch used and
 * validly signed; returns each input's recovered signer. The caller then checks on-chain that
 * every signer holds `POLICY_ROLE` (`distinctSigners`).
 *
 * @throws {PolicyInputError} naming the first input at fault.
 */
export function checkPolicyInputs(p: PolicyInputs): PolicySignature[] {
  const out: PolicySignature[] = [];
  const { domain, epoch } = p;
  const epochKey = `epoch ${epoch}`;
  if (p.budgetApproval === null)
    throw new PolicyInputError(
      "budgetApproval",
      epochKey,
      "the epoch budget is not signed",
      "record a signed budget with `ledger policy budget`",
    );
  const budget = p.budgetApproval.message;
  if (budget.budgetMicroUsd !== p.budgetMicroUsd)
    throw new PolicyInputError(
      "budgetApproval",
      epochKey,
      `the signed budget is ${budget.budgetMicroUsd} µUSD but the epoch used ${p.budgetMicroUsd} µUSD`,
    );
  if (budget.fromEpoch > epoch)
    throw new PolicyInputError("budgetApproval", epochKey, `the signed budget starts at epoch ${budget.fromEpoch}`);
  out.push({
    section: "budgetApproval",
    key: epochKey,
    signer: policySigner(domain, "EpochBudget", p.budgetApproval, "budgetApproval", epochKey),
  });

  const cardHash = rateCardHash(p.rateCard);
  const cardKey = `rate card ${p.rateCard.version}`;
  if (p.rateCardApproval === null) {
    if (cardHash !== rateCardHash(DEFAULT_RATE_CARD))
      throw new PolicyInputError(
        "rateCardApproval",
        cardKey,
        "the rate card is not signed",
        "approve it with `ledger policy rate-card`",
      );
  } else {
    const a = p.rateCardApproval.message;
    if (a.rateCardHash.toLowerCase() !== cardHash || a.version !== p.rateCard.version)
      throw new PolicyInputError(
        "rateCardApproval",
        cardKey,
        `the approval is of card ${a.version} (${a.rateCardHash}), not of the card used (${cardHash})`,
      );
    if (a.effectiveEpoch !== p.rateCard.effectiveFromEpoch)
      throw new PolicyInputError(
        "rateCardApproval",
        cardKey,
        `the approval says effective from epoch ${a.effectiveEpoch}, the card from ${p.rateCard.effectiveFromEpoch}`,
      );
    out.push({
      section: "rateCardApproval",
      key: cardKey,
      signer: policySigner(domain, "RateCardApproval", p.rateCardApproval, "rateCardApproval", cardKey),
    });
  }

  const seen = new Set<string>();
  for (const f of p.founders) {
    const node = String(f.message?.node ?? "").toLowerCase();
    const key = `node ${node}`;
    if (seen.has(node))
      throw new PolicyInputError("founder", key, "appears twice (the dataset carries one status per node)");
    seen.add(node);
    if (typeof f.message?.effectiveEpoch === "bigint" && f.message.effectiveEpoch > epoch)
      throw new PolicyInputError("founder", key, `takes effect at epoch ${f.message.effectiveEpoch}, after this one`);
    out.push({ section: "founder", key, signer: policySigner(domain, "FounderStatus", f, "founder", key) });
  }

  for (const d of p.flagDecisions) {
    const key = `node ${String(d.message?.node ?? "").toLowerCase()} ${String(d.message?.reasonCode ?? "")}`;
    if (d.message?.epoch !== epoch)
      throw new PolicyInputError("flagDecision", key, `is for epoch ${String(d.message?.epoch)}, not ${epoch}`);
    out.push({ section: "flagDecision", key, signer: policySigner(domain, "FlagDecision", d, "flagDecision", key) });
  }
  return out;
}

/** The distinct signers (lower case) of `checkPolicyInputs`'s result, sorted. */
export function distinctSigners(signatures: readonly PolicySignature[]): Address[] {
  return [...new Set(signatures.map((s) => s.signer.toLowerCase() as Address))].sort();
}

/** The nodes whose founder status is in force (the multiplier applies to their bytes). */
export function foundersInForce(founders: readonly SignedFounderStatus[]): Set<string> {
  return new Set(founders.filter((f) => f.message.founder).map((f) => f.message.node.toLowerCase()));
}

/**
 * Of many statuses, the one in force at `epoch` for each node: the latest `effectiveEpoch ≤
 * epoch`, then the latest `issuedAt` (what the oracle puts in the dataset).
 */
export function latestFounderStatuses(statuses: readonly SignedFounderStatus[], epoch: bigint): SignedFounderStatus[] {
  const best = new Map<string, SignedFounderStatus>();
  for (const s of statuses) {
    if (s.message.effectiveEpoch > epoch) continue;
    const node = s.message.node.toLowerCase();
    const b = best.get(node);
    if (
      !b ||
      s.message.effectiveEpoch > b.message.effectiveEpoch ||
      (s.message.effectiveEpoch === b.message.effectiveEpoch && s.message.issuedAt > b.message.issuedAt)
    )
      best.set(node, s);
  }
  return [...best.values()];
}

/** The budget in force at `epoch`: the latest `fromEpoch ≤ epoch`, then the latest `issuedAt`. */
export function budgetInForce(budgets: readonly SignedEpochBudget[], epoch: bigint): SignedEpochBudget | null {
  let best: SignedEpochBudget | null = null;
  for (const b of budgets) {
    if (b.message.fromEpoch > epoch) continue;
    if (
      !best ||
      b.message.fromEpoch > best.message.fromEpoch ||
      (b.message.fromEpoch === best.message.fromEpoch && b.message.issuedAt > best.message.issuedAt)
    )
      best = b;
  }
  return best;
}

/**
 * Turns the epoch's signed flag decisions (node, session or all, reason code) into core's
 * per-receipt overrides, from the verdicts of a first pass of the fraud rules without overrides:
 * a decision covers every counted-or-flagged receipt of its node (and session) whose verdict
 * names its reason code. Conflicting decisions on one receipt: `reject` wins (core's fraud rules).
 *
 * @param decisions each decision with the policy key that signed it (the override's `by`)
 */
export function resolveFlagDecisions(
  receipts: readonly ReceiptSubmission[],
  verdicts: readonly ReceiptVerdict[],
  decisions: readonly { decision: FlagDecision; signer: Address }[],
): Override[] {
  if (decisions.length === 0) return [];
  const out: Override[] = [];
  for (const v of verdicts) {
    if (v.id === null || v.status === "rejected" || v.status === "duplicate") continue;
    const r = receipts[v.index]!.message;
    for (const { decision: d, signer } of decisions) {
      if (d.node.toLowerCase() !== r.supporter.toLowerCase()) continue;
      if (d.sessionId.toLowerCase() !== ALL_SESSIONS && d.sessionId.toLowerCase() !== r.sessionId.toLowerCase())
        continue;
      if (!(v.reasons as string[]).includes(d.reasonCode)) continue;
      out.push({ receiptId: v.id, action: d.include ? "accept" : "reject", by: signer, note: d.note });
    }
  }
  return out;
}
