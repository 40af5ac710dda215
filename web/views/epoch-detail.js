// One epoch in the Auditor view (#/auditor/epoch/N): takes in an epoch number and renders its
// on-chain record, the oracle's computation, transactions, claims and the server's recomputation.
import { RATE_CARD_FIELDS } from "../epochs.js";
import { count, html, ratePerGb, time, times, usd } from "../format.js";
import { gql } from "../gql.js";
import { $, say } from "../page.js";
import { badge, bytesCell, hexCell, table, usdCell } from "../ui.js";

export const EPOCH_FIELDS = `id epoch status root cumulativeTotalMicroUsd receiptsRoot datasetHash rateCardHash validAt
  signers proposedAt finalizedAt vetoedAt vetoReason proposalCount claimedMicroUsd
  oracle { epoch startsAt endsAt status }`;

export const VERIFICATION = "verification { ok datasetAvailable mismatches checks { name ok expected actual } }";

/**
 * A verification as a short badge and one readable line.
 * @param {any} v EpochVerification
 * @param {string} status
 */
export function verificationSummary(v, status) {
  if (!v.datasetAvailable)
    return html`${badge("pending", "dataset not here")}
      <div class="sub">this server does not store the dataset the chain names</div>`;
  const checks = v.checks ?? [];
  const failed = checks.filter((/** @type {any} */ c) => !c.ok);
  if (v.ok)
    return html`${badge("ok", "✓ recomputed")}
      <div class="sub">${checks.length} checks passed${status === "Vetoed" ? " · vetoed on-chain" : ""}</div>`;
  const names = v.mismatches?.length ? v.mismatches : failed.map((/** @type {any} */ c) => c.name);
  return html`${badge(status === "Vetoed" ? "warn" : "bad", status === "Vetoed" ? "✗ vetoed: differs" : "✗ differs")}
    <div
      class="sub"
      title="${failed.map((/** @type {any} */ c) => `${c.name}: expected ${c.expected ?? "—"}, got ${c.actual ?? "—"}`).join("\n")}"
    >
      ${failed.length} of ${checks.length} checks failed: ${names.slice(0, 3).join(", ")}${names.length > 3 ? "…" : ""}
    </div>`;
}

/**
 * @param {string} epochId
 * @param {string | undefined} latest
 */
export async function epochDetail(epochId, latest) {
  const el = $("#epoch-detail");
  if (!/^\d{1,19}$/.test(epochId)) {
    say("error", `"${epochId.slice(0, 40)}" is not an epoch number: use a whole number such as 2.`);
    return;
  }
  const data = await gql(
    `query ($id: ID!) { epoch(id: $id) { ${EPOCH_FIELDS}
      oracle { epoch startsAt endsAt status supporters budgetMicroUsd earnedMicroUsd payoutMicroUsd unallocatedMicroUsd
        roundingDustMicroUsd proRata { numerator denominator } countedBytes receiptsTotal receiptsCounted datasetUrl
        rateCard { ${RATE_CARD_FIELDS} } }
      transactions { kind transactionHash blockNumber blockTimestamp }
      vetoes { guardian reason blockTimestamp transactionHash }
      claims(first: 100) { account { id } amountMicroUsd blockTimestamp transactionHash } } }`,
    { id: epochId },
  );
  const e = data.epoch;
  if (!e) {
    say(
      "error",
      `Epoch ${epochId} is unknown: no root was proposed on-chain for it${latest ? ` (the latest epoch is ${latest})` : ""}.`,
    );
    return;
  }
  const o = e.oracle;
  el.innerHTML = html`<section class="card" id="epoch-${e.epoch}">
    <h3>
      Epoch ${e.epoch} ${badge(e.status)}
      ${o ? html`<span class="sub">coordinator epoch ${o.epoch}, ${time(o.startsAt)} – ${time(o.endsAt)}</span>` : ""}
    </h3>
    <div class="cols">
      <dl class="kv">
        <dt>root</dt>
        <dd><code>${e.root}</code></dd>
        <dt>receipts root</dt>
        <dd><code>${e.receiptsRoot}</code></dd>
        <dt>dataset hash</dt>
        <dd><code>${e.datasetHash}</code>${o?.datasetUrl ? html` · <a href="${o.datasetUrl}">download</a>` : ""}</dd>
        <dt>rate card hash</dt>
        <dd><code>${e.rateCardHash}</code></dd>
        <dt>cumulative total</dt>
        <dd>${usd(e.cumulativeTotalMicroUsd)}</dd>
        <dt>claimed against it</dt>
        <dd>${usd(e.claimedMicroUsd)}</dd>
        <dt>signers</dt>
        <dd>${e.signers.map((/** @type {string} */ s) => html`${hexCell(s)} `)}</dd>
        <dt>dispute window ends</dt>
        <dd>${time(e.validAt)}</dd>
        ${
          e.vetoReason
            ? html`<dt>veto reason</dt>
                <dd>${e.vetoReason}</dd>`
            : ""
        }
      </dl>
      ${
        o
          ? html`<dl class="kv">
              <dt>supporters paid</dt>
              <dd>${count(o.supporters)}</dd>
              <dt>receipts counted</dt>
              <dd>${count(o.receiptsCounted)} of ${count(o.receiptsTotal)}</dd>
              <dt>bytes counted</dt>
              <dd>${bytesCell(o.countedBytes)}</dd>
              <dt>budget</dt>
              <dd>${usd(o.budgetMicroUsd)}</dd>
              <dt>earned</dt>
              <dd>${usd(o.earnedMicroUsd)}</dd>
              <dt>paid this epoch</dt>
              <dd>
                ${usd(o.payoutMicroUsd)}${o.proRata ? html` (scaled × ${count(o.proRata.numerator)} / ${count(o.proRata.denominator)})` : " (in full)"}
              </dd>
              <dt>rounding dust</dt>
              <dd>${usd(o.roundingDustMicroUsd)} (stays in the pool)</dd>
              <dt>rate card</dt>
              <dd>
                ${o.rateCard ? html`version ${o.rateCard.version}: ${ratePerGb(o.rateCard.ratePerGbMicroUsd)}, founders ${times(o.rateCard.founderMultiplierBps)}` : "—"}
              </dd>
            </dl>`
          : html`<p class="muted">This deployment's oracle did not compute this epoch.</p>`
      }
    </div>
    <h4>Recomputation from the dataset</h4>
    <div id="detail-verification"><p class="muted">Recomputing…</p></div>
    <h4>Transactions</h4>
    ${table(e.transactions, [
      ["kind", (t) => t.kind],
      ["block", (t) => t.blockNumber, "r"],
      ["at", (t) => time(t.blockTimestamp)],
      ["transaction", (t) => hexCell(t.transactionHash)],
    ])}
    <h4>Claims</h4>
    ${table(e.claims, [
      ["account", (c) => hexCell(c.account.id)],
      ["amount", (c) => usdCell(c.amountMicroUsd), "r"],
      ["at", (c) => time(c.blockTimestamp)],
      ["transaction", (c) => hexCell(c.transactionHash)],
    ])}
  </section>`.html;
  const v = (await gql(`query ($id: ID!) { epoch(id: $id) { ${VERIFICATION} } }`, { id: epochId }).catch(() => null))
    ?.epoch?.verification;
  $("#detail-verification").innerHTML = v
    ? html`${verificationSummary(v, e.status)}
      ${table(v.checks, [
        ["check", (c) => c.name],
        ["result", (c) => badge(c.ok ? "ok" : "bad", c.ok ? "✓" : "✗")],
        ["expected", (c) => html`<span class="clip" title="${c.expected ?? ""}">${c.expected ?? "—"}</span>`],
        ["recomputed", (c) => html`<span class="clip" title="${c.actual ?? ""}">${c.actual ?? "—"}</span>`],
      ])}`.html
    : html`<p class="muted">Not recomputed here: run <code>ledger verify-epoch ${e.epoch}</code>.</p>`.html;
}
