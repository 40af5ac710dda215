// Coordinator epochs → on-chain epochs: takes in coordinator epoch numbers (asking GraphQL for the
// windows not known yet) and hands on labels such as "epoch 2 (coordinator epoch 6)".
import { html } from "./format.js";
import { gql } from "./gql.js";

/** @typedef {{ epoch: string, chainEpoch: string | null, status: string, startsAt: string, endsAt: string }} Window */
/** @type {Map<string, Window | null>} */
export const windows = new Map();

export const WINDOW_FIELDS = "epoch chainEpoch status startsAt endsAt";

export const RATE_CARD_FIELDS =
  "version effectiveFromEpoch ratePerGbMicroUsd founderMultiplierBps uptimeTiers { minUptimeBps bonusBps } hash";

/** @param {Window[]} list */
export function rememberWindows(list) {
  for (const w of list) if (w) windows.set(String(w.epoch), w);
}

/**
 * Looks up the coordinator epochs not known yet (one request, aliased fields).
 * @param {Iterable<string>} coordinatorEpochs
 */
export async function resolveWindows(coordinatorEpochs) {
  const missing = [...new Set([...coordinatorEpochs].map(String))].filter((e) => !windows.has(e)).slice(0, 100);
  if (missing.length === 0) return;
  const data = await gql(
    `{ ${missing.map((e, i) => `w${i}: oracleEpoch(epoch: "${e}") { ${WINDOW_FIELDS} }`).join(" ")} }`,
  );
  missing.forEach((e, i) => windows.set(e, data[`w${i}`] ?? null));
}

/**
 * "epoch 2" with its coordinator epoch labelled beside it, from a coordinator epoch number.
 * @param {string | null | undefined} coordinatorEpoch
 * @param {string | null | undefined} [chainEpoch] when known already
 */
export function epochLabel(coordinatorEpoch, chainEpoch) {
  const chain = chainEpoch ?? (coordinatorEpoch != null ? windows.get(String(coordinatorEpoch))?.chainEpoch : null);
  const coord =
    coordinatorEpoch != null
      ? html`<span class="sub" title="The coordinator's time window number"
          >coordinator epoch ${coordinatorEpoch}</span
        >`
      : "";
  return chain != null
    ? html`<span class="epoch">epoch ${chain}</span> ${coord}`
    : html`<span class="epoch">not computed yet</span> ${coord}`;
}

/**
 * The same as plain text: "epoch 2 (coordinator epoch 6)".
 * @param {string} coordinatorEpoch
 */
export function epochText(coordinatorEpoch) {
  const chain = windows.get(String(coordinatorEpoch))?.chainEpoch;
  return chain != null
    ? `epoch ${chain} (coordinator epoch ${coordinatorEpoch})`
    : `coordinator epoch ${coordinatorEpoch}`;
}
