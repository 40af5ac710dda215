/**
 * The epoch's non-receipt inputs, indexed once for the rules: the registry effective this epoch
 * (node → payout, siblings, heartbeats), the valid coordinator grants by session, and the admin
 * overrides by receipt id. Takes the signed messages and their verify results; pure.
 */
import type { Address, RewardsDomain } from "../eip712/domain.ts";
import type { SignedHeartbeat } from "../eip712/receipts.ts";
import type { SignedSessionGrant, SignedSupporterRegistration } from "../eip712/sessions.ts";
import { isRegistrationEffective, type GrantCandidate } from "../admission.ts";
import { toLower } from "../lower.ts";
import type { Override } from "../verdict.ts";
import { type VerifyResult, verifyTypedMessages } from "../verify.ts";
import { cmpBig, cmpStr, lower, type NodeInfo } from "./work.ts";

/**
 * Latest valid registration per node effective at `epoch`, joined with the node's sorted valid
 * heartbeat timestamps: `payoutOf` (node → payout) and `nodeInfo` (what rules 4 and 5 read).
 */
export function indexRegistry(
  domain: RewardsDomain,
  epoch: bigint,
  registrations: readonly SignedSupporterRegistration[],
  regVerified: readonly VerifyResult[] | undefined,
  heartbeats: readonly SignedHeartbeat[],
  hbVerified: readonly VerifyResult[] | undefined,
): { payoutOf: Map<Address, Address>; nodeInfo: Map<Address, NodeInfo> } {
  // --- registry: latest valid registration per node effective at this epoch --------------------
  const regResults =
    regVerified ?? verifyTypedMessages({ domain, primaryType: "SupporterRegistration", items: registrations });
  const latest = new Map<Address, { payout: Address; effectiveEpoch: bigint; nonce: bigint; digest: string }>();
  registrations.forEach((reg, i) => {
    const r = regResults[i];
    if (!r?.valid || r.digest === null || !isRegistrationEffective(reg.message.effectiveEpoch, epoch)) return;
    const node = lower(reg.message.node);
    const cur = latest.get(node);
    const order = !cur
      ? 1
      : cmpBig(reg.message.effectiveEpoch, cur.effectiveEpoch) ||
        cmpBig(reg.message.nonce, cur.nonce) ||
        cmpStr(cur.digest, r.digest);
    if (order > 0)
      latest.set(node, {
        payout: lower(reg.message.payout),
        effectiveEpoch: reg.message.effectiveEpoch,
        nonce: reg.message.nonce,
        digest: r.digest,
      });
  });
  const payoutOf = new Map<Address, Address>();
  const nodesByPayout = new Map<Address, Set<Address>>();
  for (const [node, { payout }] of latest) {
    payoutOf.set(node, payout);
    let set = nodesByPayout.get(payout);
    if (!set) nodesByPayout.set(payout, (set = new Set()));
    set.add(node);
  }

  // --- heartbeats: sorted valid timestamps per node ---------------------------------------------
  const hbResults = hbVerified ?? verifyTypedMessages({ domain, primaryType: "Heartbeat", items: heartbeats });
  const beats = new Map<Address, bigint[]>();
  heartbeats.forEach((h, i) => {
    if (!hbResults[i]?.valid) return;
    const node = lower(h.message.node);
    let list = beats.get(node);
    if (!list) beats.set(node, (list = []));
    list.push(h.message.timestamp);
  });
  for (const list of beats.values()) list.sort(cmpBig);

  const nodeInfo = new Map<Address, NodeInfo>();
  for (const [node, payout] of payoutOf)
    nodeInfo.set(node, { payout, siblings: nodesByPayout.get(payout)!, beats: beats.get(node) });
  return { payoutOf, nodeInfo };
}

/** Valid coordinator-signed grants by (lower-case) session id. */
export function indexGrants(
  domain: RewardsDomain,
  coordinator: Address,
  grants: readonly SignedSessionGrant[],
  verified: readonly VerifyResult[] | undefined,
): Map<string, GrantCandidate[]> {
  const grantResults =
    verified ??
    verifyTypedMessages({ domain, primaryType: "SessionGrant", items: grants, expectedSigner: coordinator });
  const grantsBySession = new Map<string, GrantCandidate[]>();
  grants.forEach((g, i) => {
    const r = grantResults[i];
    if (!r?.valid || r.digest === null) return;
    const key = toLower(g.message.sessionId);
    let list = grantsBySession.get(key);
    if (!list) grantsBySession.set(key, (list = []));
    list.push({ grant: g.message, digest: r.digest });
  });
  return grantsBySession;
}

/** Overrides by (lower-case) receipt id: one per id, `reject` wins, independent of input order. */
export function indexOverrides(overrides: readonly Override[]): Map<string, Override> {
  const byId = new Map<string, Override>();
  for (const o of [...overrides].sort(
    (a, b) =>
      cmpStr(toLower(a.receiptId), toLower(b.receiptId)) ||
      cmpStr(a.action, b.action) ||
      cmpStr(a.by, b.by) ||
      cmpStr(a.note, b.note),
  )) {
    const key = toLower(o.receiptId);
    const cur = byId.get(key);
    if (!cur || (cur.action === "accept" && o.action === "reject")) byId.set(key, o);
  }
  return byId;
}
