// The Supporter view's "Verify my payout · claim" panel: takes in the API's proof and totals, checks
// the proof against the chain in the browser and claims through the wallet.
import { html, short, time, usd } from "../format.js";
import { DashboardError } from "../gql.js";
import { $, chainModule, config, explain, setWalletAccount, walletAccount } from "../page.js";
import { hexCell } from "../ui.js";

/**
 * @param {string} addr
 * @param {any} apiProof
 * @param {any} totals
 */
export function verifyPanel(addr, apiProof, totals) {
  const api = location.origin;
  const pending = BigInt(totals.accruedMicroUsd) + BigInt(totals.committedMicroUsd);
  return html`${
      apiProof
        ? html`<p>
            The API served your proof for the root finalized in <strong>epoch ${apiProof.epoch}</strong>: cumulative
            entitlement <strong>${usd(apiProof.cumulativeMicroUsd)}</strong>, claimed ${usd(apiProof.claimedMicroUsd)},
            claimable <strong>${usd(apiProof.claimableMicroUsd)}</strong>${
              apiProof.account !== addr ? html` (leaf of payout address ${hexCell(apiProof.account)})` : ""
            }. <em>Verify my payout</em> checks it against the chain, in this browser.
          </p>`
        : html`<p id="no-entitlement">
            <strong>No entitlement yet.</strong>
            ${
              pending > 0n
                ? html`This address has ${usd(pending)} computed or in a proposed root, but no finalized root holds an
                  entitlement for it
                  yet${
                    totals.committedEpoch
                      ? html`: it becomes claimable when epoch ${totals.committedEpoch}'s dispute window ends
                        (${time(totals.committedValidAt)})`
                      : ""
                  }.`
                : "No finalized epoch pays this address anything yet, so there is nothing to verify or claim."
            }
          </p>`
    }
    <details id="paste-proof">
      <summary>Check a proof from elsewhere</summary>
      <p class="muted">
        Paste a proof JSON (<code>{"account": "0x…", "cumulativeAmount": "…", "proof": ["0x…"]}</code>, e.g. the API's
        <code>supporter { proof }</code>).
      </p>
      <textarea
        id="proof-json"
        rows="3"
        spellcheck="false"
        placeholder='{"account":"${addr}","cumulativeAmount":"0","proof":[]}'
      ></textarea>
    </details>
    <div class="row">
      <button id="verify">Verify my payout</button>
      <button id="claim" disabled>Claim with my wallet</button>
      ${config.relayerUrl ? html`<button id="claim-gasless" disabled>Claim without gas</button>` : ""}
    </div>
    ${
      config.relayerUrl
        ? html`<p class="muted small">
            <em>Claim without gas</em>: your wallet signs a claim authorization (no transaction, no ETH); the relayer at
            <code>${config.relayerUrl}</code> submits it, pays the gas and keeps a fee of at most its cap.
          </p>`
        : html`<p id="no-relayer" class="muted small">
            Claiming without gas is not offered here: this server names no relayer.
          </p>`
    }
    <div id="verify-result" class="result" hidden></div>
    <details class="cli">
      <summary>Claim from a terminal instead</summary>
      <pre><code>npx ledger claim ${addr} --api ${api} --rpc RPC_URL</code></pre>
      <p class="muted small">
        Gets the proof from the API, checks it against <code>finalizedRoot()</code> and sends the claim (key in
        <code>$LEDGER_PRIVATE_KEY</code>). Gasless: the account signs, any relayer submits and keeps at most the fee:
      </p>
      <pre><code>npx ledger claim ${addr} --sign-only --api ${api} --rpc RPC_URL --recipient 0xRECIPIENT --max-fee 0.05 &gt; auth.json
npx ledger claim ${addr} --with-sig @auth.json --api ${api} --rpc RPC_URL</code></pre>
    </details>`;
}

/**
 * @param {`0x${string}`} addr
 * @param {any} apiProof
 * @param {string[]} payoutAccounts the accounts whose leaves this supporter's proofs are about
 */
export function wireVerify(addr, apiProof, payoutAccounts) {
  /** @type {{ account: `0x${string}`, cumulativeAmount: bigint, proof: `0x${string}`[] } | null} */
  let verified = null;
  const out = $("#verify-result");
  const claimBtn = /** @type {HTMLButtonElement} */ ($("#claim"));
  const gaslessBtn = /** @type {HTMLButtonElement | null} */ (document.querySelector("#claim-gasless"));
  /** Both claim buttons at once: they claim the same verified proof. */
  const setClaimable = (/** @type {boolean} */ on) => {
    claimBtn.disabled = !on;
    if (gaslessBtn) gaslessBtn.disabled = !on;
  };
  const show = (/** @type {string} */ cls) => {
    out.className = `result ${cls}`;
    out.hidden = false;
  };
  const readProof = async () => {
    const chain = await chainModule();
    const text = /** @type {HTMLTextAreaElement} */ ($("#proof-json")).value.trim();
    if (text) {
      const p = chain.parseProof(text);
      const account = p.account ?? /** @type {`0x${string}`} */ (apiProof?.account ?? addr);
      if (p.account && p.account !== addr && !payoutAccounts.includes(p.account))
        throw new DashboardError(
          `This proof is for ${p.account}, not for ${addr} or its payout addresses.`,
          "WRONG_ACCOUNT",
        );
      return { ...p, account };
    }
    if (apiProof)
      return {
        account: /** @type {`0x${string}`} */ (apiProof.account),
        cumulativeAmount: BigInt(apiProof.cumulativeMicroUsd),
        proof: /** @type {`0x${string}`[]} */ (apiProof.proof),
      };
    throw new DashboardError(
      "This address has no entitlement yet, so there is no proof to verify. To check a proof from elsewhere, paste it above.",
      "NO_ENTITLEMENT",
    );
  };
  $("#verify").addEventListener("click", async () => {
    show("");
    out.textContent = "Checking against the chain…";
    setClaimable(false);
    try {
      const chain = await chainModule();
      const p = await readProof();
      const computed = chain.rootFromProof(p.account, p.cumulativeAmount, p.proof);
      const st = await chain.chainState(config, p.account);
      setTotal("claimed", st.claimed);
      if (computed !== st.finalizedRoot) {
        verified = null;
        show("bad");
        out.innerHTML = html`<strong>✗ Not verified.</strong> The proof leads to root <code>${short(computed)}</code>,
          but the root finalized on-chain (epoch ${st.finalizedEpoch}) is <code>${short(st.finalizedRoot)}</code>. Your
          proof is for another epoch or another amount.`.html;
        return;
      }
      verified = p;
      const claimable = p.cumulativeAmount > st.claimed ? p.cumulativeAmount - st.claimed : 0n;
      setTotal("claimable", claimable);
      show("good");
      out.innerHTML = html`<strong>✓ Verified against the chain.</strong> Your cumulative entitlement of
        <strong data-verified-amount>${usd(p.cumulativeAmount)}</strong> is in the root finalized on-chain for epoch
        ${st.finalizedEpoch} (<code>${short(st.finalizedRoot)}</code>). Claimed so far ${usd(st.claimed)}; claimable now
        <strong>${usd(claimable)}</strong>. Token balance of ${short(p.account)}:
        <span data-balance>${usd(st.balance)}</span>.`.html;
      setClaimable(claimable > 0n);
    } catch (err) {
      show("bad");
      out.textContent = explain(err);
    }
  });
  /**
   * One claim of the verified proof: `send` claims it (from the connected wallet), `done` words the
   * result from the chain's state before and after; a failure is one sentence, and `retry(err)`
   * says whether the buttons come back.
   * @template T
   * @param {string} prompt
   * @param {(chain: any, c: { from: any, account: any, cumulativeAmount: bigint, proof: any[] }) => Promise<T>} send
   * @param {(r: T, claimed: bigint, v: { account: string }, balances: [bigint, bigint]) => string} done
   * @param {(err: unknown) => boolean} retry
   */
  const claimWith = async (prompt, send, done, retry) => {
    if (!verified) return;
    const v = verified;
    setClaimable(false);
    show("");
    out.textContent = prompt;
    try {
      const chain = await chainModule();
      if (walletAccount == null) setWalletAccount(await chain.connectWallet(config));
      const before = await chain.chainState(config, v.account);
      const result = await send(chain, {
        from: walletAccount,
        account: v.account,
        cumulativeAmount: v.cumulativeAmount,
        proof: v.proof,
      });
      const after = await chain.chainState(config, v.account);
      setTotal("claimed", after.claimed);
      setTotal("claimable", v.cumulativeAmount - after.claimed);
      show("good");
      out.innerHTML = done(result, after.claimed - before.claimed, v, [before.balance, after.balance]);
    } catch (err) {
      show("bad");
      out.textContent = explain(err);
      if (retry(err)) setClaimable(true);
    }
  };
  claimBtn.addEventListener("click", () =>
    claimWith(
      "Confirm the claim in your wallet…",
      (chain, c) => chain.claim(config, c),
      (hash, claimed, v, [before, after]) =>
        html`<strong>✓ Claimed ${usd(claimed)}</strong> in transaction <code title="${hash}">${short(hash)}</code>.
          Balance of ${short(v.account)}: ${usd(before)} → <strong data-balance>${usd(after)}</strong>.`.html,
      (err) => err instanceof DashboardError && err.code === "WRONG_CHAIN",
    ),
  );
  gaslessBtn?.addEventListener("click", () =>
    claimWith(
      "Sign the claim authorization in your wallet (no gas); the relayer then submits it…",
      (chain, c) => chain.claimWithoutGas(config, c),
      ({ transactionHash, feeMicroUsd }, claimed, v, [before, after]) =>
        html`<strong>✓ Claimed ${usd(claimed)} without gas</strong> in transaction
          <code data-tx title="${transactionHash}">${transactionHash}</code>; the relayer kept a fee of
          <strong data-fee>${usd(feeMicroUsd)}</strong>. Balance of ${short(v.account)}: ${usd(before)} →
          <strong data-balance>${usd(after)}</strong>.`.html,
      () => true,
    ),
  );
}

/** @param {string} name @param {bigint} value */
function setTotal(name, value) {
  const el = document.querySelector(`[data-total="${name}"]`);
  if (!el) return;
  /** @type {HTMLElement} */ (el.querySelector(".value")).textContent = usd(value);
  /** @type {HTMLElement} */ (el.querySelector(".hint")).textContent = "read from the chain";
}
