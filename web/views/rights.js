// The Supporter Bill of Rights (#/rights): generated, on every visit, from the rules the product
// enforces — the rate card in force and its notice period (`rateCardSchedule`), the epoch clock,
// the late-receipt grace, the default rate card and core's reason codes (`ledgerRules`), and the dispute window read
// from the RewardsDistributor itself — so no figure on it is written down twice.
import { count, duration, html, percent, ratePerGb, raw, times } from "../format.js";
import { gql } from "../gql.js";
import { config, explain, view } from "../page.js";
import { reasonOf, STATUSES } from "../reasons.js";
import { badge, table } from "../ui.js";
import { RATE_CARD_FIELDS } from "../epochs.js";

const RULES_QUERY = `{
  ledgerRules { epochSeconds epochGenesis graceSeconds defaultRateCard { ${RATE_CARD_FIELDS} }
    reasonCodes { code status stage message overridable } }
  rateCardSchedule { currentEpoch noticeEpochs earliestEffectiveEpoch
    current { ${RATE_CARD_FIELDS} } announced { ${RATE_CARD_FIELDS} } }
}`;

/** @type {Record<string, string>} */
const STAGES = {
  EPOCH_CLOSE: "at epoch close (fraud rules)",
  INGEST: "when the receipt is sent",
  BOTH: "when sent, and at epoch close",
};

/**
 * Seconds as "1 h (3,600 s)".
 * @param {number | bigint} s
 */
const span = (s) => `${duration(Number(s))} (${count(s)} s)`;

/**
 * The contract's dispute window and its floor, read in this browser from the chain (never from the API).
 * @returns {Promise<{ windowSeconds: bigint, minSeconds: bigint, via: string } | { error: string }>}
 */
async function disputeWindowOnChain() {
  try {
    const rpc = await import("../chain-rpc.js");
    const { provider, via } = rpc.readerWithSource(config);
    await rpc.assertChain(provider, config);
    const [windowSeconds, minSeconds] = await Promise.all([
      rpc.read(provider, config.distributor, rpc.DISTRIBUTOR_ABI, "disputeWindow"),
      rpc.read(provider, config.distributor, rpc.DISTRIBUTOR_ABI, "MIN_DISPUTE_WINDOW"),
    ]);
    return {
      windowSeconds: /** @type {bigint} */ (windowSeconds),
      minSeconds: /** @type {bigint} */ (minSeconds),
      via,
    };
  } catch (err) {
    return { error: explain(err) };
  }
}

export async function rightsView() {
  const [d, chain] = await Promise.all([gql(RULES_QUERY), disputeWindowOnChain()]);
  const r = d.ledgerRules;
  const s = d.rateCardSchedule;
  const card = s.current ?? r.defaultRateCard;
  const tiers = [...(card?.uptimeTiers ?? [])].sort((a, b) =>
    BigInt(a.minUptimeBps) < BigInt(b.minUptimeBps) ? -1 : 1,
  );
  const dispute =
    "error" in chain
      ? html`<span data-rule="dispute-window">could not be read from the contract just now (${chain.error})</span>`
      : html`<strong data-rule="dispute-window" data-seconds="${String(chain.windowSeconds)}"
            >${span(chain.windowSeconds)}</strong
          >, read from the RewardsDistributor <code>${config.distributor}</code> through ${chain.via}; it can never be
          set below <span data-rule="min-dispute-window">${span(chain.minSeconds)}</span>`;
  view().innerHTML = html`<section class="card" id="rights">
      <h2>Supporter Bill of Rights</h2>
      <p class="muted">
        What this ledger promises every supporter, generated from the rules it enforces: the figures below are read, as
        you open this page, from the coordinator's settings, the rate card in force and the distributor contract on
        chain ${config.chainId}. If a rule changes, this page changes with it.
      </p>
    </section>
    <section class="card" id="rights-rate">
      <h3>1. You know your rate before you serve</h3>
      <p>
        You earn <strong data-rule="rate">${ratePerGb(card.ratePerGbMicroUsd)}</strong> served (1 GB = 10⁹ bytes)
        ${
          s.current
            ? html`under rate card version ${card.version}, in force since coordinator epoch ${card.effectiveFromEpoch}.`
            : html`under the launch rate card (no admin has set one yet, so the oracle prices with core's default).`
        }
        ${
          tiers.length
            ? html`Uptime bonus:
              ${tiers.map((t, i) => html`${i ? "; " : ""}+${percent(t.bonusBps)} from ${percent(t.minUptimeBps)} uptime`)}
              in the epoch.`
            : "No uptime bonus."
        }
      </p>
      <p>
        A new rate card takes effect only after
        <strong data-rule="notice-epochs">${s.noticeEpochs} epochs</strong> of notice
        (${span(BigInt(s.noticeEpochs) * BigInt(r.epochSeconds))}): a card set now applies from coordinator epoch
        <span data-rule="earliest-effective">${s.earliestEffectiveEpoch}</span> at the earliest, so the rate of the
        epoch you are serving in is always known. Announced changes:
        ${
          s.announced.length
            ? s.announced.map(
                (/** @type {any} */ c) =>
                  html`<span data-announced="${c.version}"
                    >${ratePerGb(c.ratePerGbMicroUsd)} from coordinator epoch ${c.effectiveFromEpoch}</span
                  > `,
              )
            : "none."
        }
      </p>
      <p>
        If an epoch's earnings exceed its budget, every supporter's payout of that epoch is scaled by the same factor
        (pro rata), shown in your statement; nobody is paid ahead of anyone else.
      </p>
    </section>
    <section class="card" id="rights-founder">
      <h3>2. Founder terms</h3>
      <p>
        A founder's node earns
        <strong data-rule="founder-multiplier"
          >${card ? times(card.founderMultiplierBps) : "the default card's multiplier"}</strong
        >
        on the bytes it serves (the rate card's founder multiplier, under the same notice as the rate). Founder status
        follows the node, never its payout address. An admin grants or clears it from the current epoch on, as a
        <code>FounderStatus</code> signed by the policy key and recorded in the audit log
        (<code>supporter.founder.set</code>).
      </p>
    </section>
    <section class="card" id="rights-payout">
      <h3>3. When you are paid</h3>
      <dl class="kv">
        <dt>epoch</dt>
        <dd>
          <strong data-rule="epoch-length">${span(r.epochSeconds)}</strong>: your receipts are filed by the time they
          were signed
        </dd>
        <dt>late receipts</dt>
        <dd>
          ${
            r.graceSeconds == null
              ? html`<span data-rule="grace"
                  >accepted until the oracle closes the epoch (its grace is not stated by this API)</span
                >`
              : html`accepted for <strong data-rule="grace">${span(r.graceSeconds)}</strong> after the epoch ends; then
                  the oracle closes it and computes every payout`
          }
        </dd>
        <dt>dispute window</dt>
        <dd>${dispute}: the epoch's signed root is public for that long and a guardian may veto a wrong one</dd>
        <dt>then</dt>
        <dd>
          anyone may finalize the root, and you claim whenever you like (with a wallet, or without gas through a
          relayer). Entitlements are cumulative: they never decrease and never expire.
        </dd>
      </dl>
    </section>
    <section class="card" id="rights-reasons">
      <h3>4. Every reason a receipt may not count, and what you can do</h3>
      <p>
        Every receipt gets one verdict with stable reason codes; nothing is dropped silently. A <em>flagged</em> or
        <em>clipped</em> receipt can be reviewed: <strong>to request an override</strong>, send the operators the epoch,
        your node's address and the session id (all on your Supporter page under Flagged receipts). An admin then
        includes or excludes it with a note (<code>overrideFlag</code>, or <code>POST /v1/admin/flag-overrides</code>);
        the decision is signed by the policy key, kept in the audit log, and applied when the oracle computes the epoch.
        A <em>rejected</em> or <em>duplicate</em> receipt cannot be overridden.
      </p>
      ${table(
        r.reasonCodes,
        [
          [
            "code",
            (/** @type {any} */ c) =>
              html`<code>${c.code}</code>
                <div class="sub">${reasonOf(c.code).title}</div>`,
          ],
          [
            "verdict",
            (c) =>
              html`${badge(c.status)}
                <div class="sub">${STATUSES[c.status] ?? ""}</div>`,
          ],
          ["when", (c) => STAGES[c.stage] ?? c.stage],
          [
            "what it means",
            (c) =>
              html`${reasonOf(c.code).meaning}
                <div class="sub">${c.message}</div>`,
            "wrap",
          ],
          ["what you can do", (c) => reasonOf(c.code).action, "wrap"],
          ["override", (c) => (c.overridable ? "an admin can review it" : "cannot be overridden"), "override wrap"],
        ],
        { id: "reason-codes", stack: true, rowAttrs: (c) => raw(`data-code="${c.code}"`) },
      )}
    </section>`.html;
}
