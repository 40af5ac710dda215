// The Supporter view's node status, uptime and post-session impact panels: takes in the
// supporter's nodes and uptime from GraphQL (and fetches its sessions page by page); hands on tables.
import { epochLabel, epochText, resolveWindows } from "../epochs.js";
import { count, duration, html, percent, time } from "../format.js";
import { badge, bytesCell, hexCell, supporterPage, table, usdCell } from "../ui.js";

/**
 * A node is online when its newest heartbeat is at most this many seconds old (by this browser's
 * clock): two missed minutes of the nodes' once-a-minute heartbeats.
 */
export const ONLINE_WITHIN_SECONDS = 120n;

/** The GraphQL fields of `Supporter.uptime` the uptime table shows. */
export const UPTIME_FIELDS = "epoch account uptimeBps uptimeTier uptimeBonusBps";

/**
 * "online", "offline", "never" (no heartbeat stored) or "unknown" (heartbeats not loaded), at unix
 * second `nowSeconds`.
 * @param {{ lastHeartbeatAt?: string | null }} n
 * @param {bigint} nowSeconds
 */
export function nodeStatus(n, nowSeconds) {
  if (n.lastHeartbeatAt === undefined) return "unknown";
  if (n.lastHeartbeatAt === null) return "never";
  return nowSeconds - BigInt(n.lastHeartbeatAt) <= ONLINE_WITHIN_SECONDS ? "online" : "offline";
}

/** @type {Record<string, string>} */
const STATUS_TEXT = { online: "online", offline: "offline", never: "no heartbeat yet", unknown: "not loaded" };

/**
 * The Nodes table: status from heartbeats, last heartbeat, founder, registration and payout history.
 * @param {any[]} nodes
 * @param {bigint} nowSeconds
 */
export function renderNodes(nodes, nowSeconds) {
  return table(
    nodes,
    [
      ["node", (n) => hexCell(n.address)],
      [
        "status",
        (n) => {
          const st = nodeStatus(n, nowSeconds);
          return badge(st === "online" ? "ok" : st === "offline" ? "bad" : "warn", STATUS_TEXT[st]);
        },
      ],
      [
        "last heartbeat",
        (n) =>
          n.lastHeartbeatAt == null
            ? "—"
            : html`${time(n.lastHeartbeatAt)}
                <div class="sub">${epochText(n.lastHeartbeatEpoch)}</div>`,
      ],
      ["founder", (n) => (n.founder ? "yes" : "no")],
      ["registered", (n) => time(n.registeredAt)],
      [
        "paid to",
        (n) =>
          n.payoutAddresses.map(
            (/** @type {any} */ p) =>
              html`<div>
                ${hexCell(p.payoutAddress)} <span class="sub">from coordinator epoch ${p.effectiveEpoch}</span>
              </div>`,
          ),
      ],
    ],
    {
      id: "nodes-table",
      stack: true,
      empty: "This address has no registered node.",
      rowAttrs: (n) => html`data-node="${n.address}" data-status="${nodeStatus(n, nowSeconds)}"`,
    },
  );
}

/**
 * Uptime per computed epoch, as each statement used it (the payout account's nodes' uptimes
 * weighted by counted bytes), newest first.
 * @param {any[]} rows
 */
export function renderUptime(rows) {
  return table(
    rows,
    [
      ["epoch", (u) => epochLabel(u.epoch)],
      ["payout account", (u) => hexCell(u.account)],
      ["uptime", (u) => html`<span data-field="uptime">${percent(u.uptimeBps)}</span>`, "r"],
      [
        "uptime bonus",
        (u) => (u.uptimeTier != null ? `+${percent(u.uptimeBonusBps)} (tier ${u.uptimeTier + 1})` : "none"),
        "r",
      ],
    ],
    {
      id: "uptime-table",
      stack: true,
      empty: "No computed epoch yet: uptime is measured when an epoch closes.",
      rowAttrs: (u) => html`data-uptime="${u.epoch}:${u.account}"`,
    },
  );
}

const SESSION_FIELDS = `sessionId streamId viewersServed nodes receipts firstReceiptAt lastReceiptAt durationSeconds
  firstEpoch lastEpoch claimedBytes pendingBytes countedBytes earningsMicroUsd complete`;

/** @param {`0x${string}`} addr */
export function sessionsPage(addr) {
  return async (/** @type {string | null} */ after) => {
    const page = await supporterPage(addr, "sessions", SESSION_FIELDS, after);
    await resolveWindows(page.rows.flatMap((/** @type {any} */ s) => [s.firstEpoch, s.lastEpoch]));
    return page;
  };
}

/** @param {any[]} rows */
export function renderSessions(rows) {
  return table(
    rows,
    [
      ["session", (s) => hexCell(s.sessionId)],
      [
        "ended",
        (s) =>
          html`${time(s.lastReceiptAt)}
            <div class="sub">${epochText(s.lastEpoch)}</div>`,
      ],
      [
        "duration",
        (s) => html`<span title="${count(s.durationSeconds)} s">${duration(Number(s.durationSeconds))}</span>`,
        "r",
      ],
      ["viewers", (s) => count(s.viewersServed), "r"],
      ["served", (s) => bytesCell(s.claimedBytes), "r"],
      ["counted", (s) => bytesCell(s.countedBytes), "r"],
      ["earned", (s) => usdCell(s.earningsMicroUsd), "r"],
      [
        "state",
        (s) =>
          s.complete
            ? badge("ok", "final")
            : html`${badge("warn", "growing")}
                <div class="sub">${bytesCell(s.pendingBytes)} in epochs not computed yet</div>`,
      ],
    ],
    {
      id: "sessions-table",
      stack: true,
      empty: "No session yet: the nodes of this supporter have served no viewer.",
      rowAttrs: (s) => html`data-session="${s.sessionId}"`,
    },
  );
}
