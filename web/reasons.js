// What each stable reason code of a receipt's verdict means to a supporter, and what they can do
// about it. The codes are core's (core/verdict.ts: the fraud rules at epoch close) and the
// ingest's (core/verdict.ts `INGEST_REASONS`: answers to POST /v1/receipts); the sentences here are written
// for the person running the node.

/** @type {Record<string, { title: string, meaning: string, action: string }>} */
export const REASONS = {
  BITRATE_EXCEEDED: {
    title: "Over the stream's bitrate",
    meaning:
      "These receipts claimed more bytes than the stream's bitrate allows over the elapsed time (counted across every supporter of the session), so the excess was clipped; the part within the bitrate still counted.",
    action:
      "Make sure your node reports only bytes it actually served and that its clock is right. Nothing else is needed: clipping never costs you bytes you could have served.",
  },
  SELF_DEALING: {
    title: "Viewer and supporter look like one party",
    meaning:
      "The viewer key and your node (or its payout address) appear to be controlled by the same party, so these receipts were excluded.",
    action:
      "Do not serve your own viewer or payout keys. If these were real viewers, ask an admin to review the flag: an admin can include them (the decision is audited) and the epoch's next computation counts them.",
  },
  NODE_OFFLINE: {
    title: "Node offline",
    meaning: "Your node's signed heartbeats say it was offline when these receipts were made, so they were excluded.",
    action:
      "Keep the node sending heartbeats (every minute) the whole time it serves, and check its clock. If it was online, ask an admin to review the flag.",
  },
  OUTLIER: {
    title: "Far above the epoch's median",
    meaning: "Your bytes this epoch are far above the other supporters' median, so they are held for review.",
    action:
      "If the traffic is genuine, nothing: an admin reviews it and can include it (audited). You can speed that up by telling the operators what drew the traffic.",
  },
  NON_MONOTONIC: {
    title: "Went backwards",
    meaning:
      "Cumulative bytes, the sequence number or the timestamp went backwards for this session (or a sequence number was reused with other content), so this receipt added nothing. It is kept for review.",
    action:
      "Submit each session's receipts in order, as the viewer signed them; only increases count. If this happens without a restart, check the node's receipt store.",
  },
  DUPLICATE: {
    title: "Already counted",
    meaning: "This exact receipt (or an earlier sequence number of the session) was already counted.",
    action: "Nothing: re-sending a receipt is harmless and nothing was lost.",
  },
  UNREGISTERED: {
    title: "Node not registered",
    meaning: "The node had no valid registration (payout address) for this epoch, so nothing it served can be paid.",
    action: "Register the node with a signed payout address (POST /v1/supporters) before it serves.",
  },
  OUT_OF_EPOCH: {
    title: "Outside the epoch",
    meaning: "The receipt's timestamp lies outside the epoch it was filed in.",
    action: "Check your node's clock (use NTP) and submit receipts promptly.",
  },
  EPOCH_CLOSED: {
    title: "Epoch already closed",
    meaning: "The receipt arrived after its epoch closed (after the late-receipt grace).",
    action: "Submit receipts within the epoch (or its grace period); a closed epoch is never reopened.",
  },
  TIMESTAMP_IN_FUTURE: {
    title: "Timestamp in the future",
    meaning: "The timestamp is ahead of the coordinator's clock by more than the allowed skew.",
    action: "Set your node's (and your viewers') clocks right, e.g. with NTP.",
  },
  TIMESTAMP_TOO_OLD: {
    title: "Too old",
    meaning: "The timestamp is more than 7 days old.",
    action: "Submit receipts as they arrive; week-old receipts are not accepted.",
  },
  BEFORE_GENESIS: {
    title: "Before the first epoch",
    meaning: "The timestamp is before the ledger's first epoch.",
    action: "Check the clock of the device that signed it.",
  },
  MALFORMED: {
    title: "Malformed",
    meaning: "A field of the receipt is missing or out of range.",
    action: "Update your node software; receipts must be submitted exactly as the viewer signed them.",
  },
  WRONG_DOMAIN: {
    title: "Signed for another deployment",
    meaning: "The receipt was signed for another chain or distributor contract (its EIP-712 domain).",
    action: "Point your node and viewers at this deployment's chain id and distributor address.",
  },
  INVALID_SIGNATURE: {
    title: "Bad signature",
    meaning: "The signature is malformed or not by the session's viewer key.",
    action: "Submit receipts unchanged, exactly as the viewer signed them.",
  },
  MALLEABLE_SIGNATURE: {
    title: "Malleable signature",
    meaning: "The signature has a high s value (the malleable twin of a valid signature).",
    action: "Sign with a standard library (low s), and submit receipts unchanged.",
  },
  NO_GRANT: {
    title: "No session grant",
    meaning: "No valid coordinator session grant covers this session and viewer key.",
    action: "Serve only viewers that started their session through the coordinator.",
  },
  GRANT_EXPIRED: {
    title: "Session grant expired",
    meaning: "The receipt's timestamp is outside its session grant's validity window.",
    action: "Check your clock; the viewer must renew its grant for long sessions.",
  },
  ADMIN_ACCEPTED: {
    title: "Accepted by an admin",
    meaning: "An admin reviewed these receipts and included them in full (the decision is in the audit log).",
    action: "Nothing: they count.",
  },
  ADMIN_REJECTED: {
    title: "Excluded by an admin",
    meaning: "An admin reviewed these receipts and excluded them (the decision and its reason are in the audit log).",
    action: "If you disagree, contact the operators with the session id and epoch.",
  },
};

/** What each verdict status means, in one sentence. @type {Record<string, string>} */
export const STATUSES = {
  accepted: "counted in full",
  clipped: "counted, but less than claimed",
  flagged: "excluded unless an admin includes it",
  rejected: "never counted",
  duplicate: "already counted; nothing added",
};

/**
 * The explanation of a reason code; an unknown code (from a newer API) still gets a sentence.
 * @param {string} code
 */
export function reasonOf(code) {
  return (
    REASONS[code] ?? {
      title: code,
      meaning: `The ledger gave the reason code ${code}, which this dashboard does not describe yet.`,
      action: "Look the code up in the project's README (fraud rules), or ask the operators.",
    }
  );
}
