// The Admin view's on-chain actions, sent from the connected EIP-1193 wallet the way
// `ledger guardian pause` and `ledger governance schedule unpause | cancel | execute` send them:
// `pause()` straight to the distributor (the pauser's immediate, risk-reducing act); `unpause()`
// only scheduled through the distributor's timelock, visible for its whole delay and cancellable;
// a scheduled change cancelled (a canceller: the guardian or a governor) or executed once ready
// (an executor: anyone when the timelock's executor is the zero address). No key of the page's
// own and no way around the timelock: the contract checks the wallet's roles, and each call is
// simulated first so a refusal names the contract's error instead of costing gas.
// Loaded on demand (it pulls in viem's bundle).
import { decodeErrorResult, encodeAbiParameters, encodeFunctionData, keccak256 } from "../vendor/viem.js";
import { distributorAbi, timelockAbi } from "../vendor/contracts.js";
import { DashboardError } from "../gql.js";
import { assertChain, chainError, injectedWallet, read, reader } from "../chain-rpc.js";
import { connectWallet } from "../chain.js";
import { duration, html, raw, short, time } from "../format.js";
import { config, explain, setWalletAccount, unsay, walletAccount } from "../page.js";
import { confirmAction, tell } from "./admin-confirm.js";

const ZERO_HASH = `0x${"0".repeat(64)}`;
const ZERO_ADDRESS = `0x${"0".repeat(40)}`;
/** Every error either contract may revert with, so a refusal is named whichever contract raised it. */
const ERRORS = [...distributorAbi, ...timelockAbi].filter((/** @type {any} */ x) => x.type === "error");
const roleId = (/** @type {string} */ name) => keccak256(new TextEncoder().encode(name));
const ROLE_NAMES = new Map([
  [ZERO_HASH, "DEFAULT_ADMIN_ROLE"],
  ...["PROPOSER_ROLE", "GUARDIAN_ROLE", "PAUSER_ROLE", "POLICY_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"].map(
    (n) => /** @type {[string, string]} */ ([roleId(n), n]),
  ),
]);
/** Who may do what the contract refused, in words. */
const WHO = /** @type {Record<string, string>} */ ({
  PAUSER_ROLE: "the pauser (the distributor's PAUSER_ROLE)",
  PROPOSER_ROLE: "a governor (the timelock's PROPOSER_ROLE)",
  CANCELLER_ROLE: "the guardian or a governor (the timelock's CANCELLER_ROLE)",
  EXECUTOR_ROLE: "an executor (the timelock's EXECUTOR_ROLE)",
  DEFAULT_ADMIN_ROLE: "the timelock (schedule the change instead)",
});

/** The distributor's pause state, read from the chain. */
export async function readPaused() {
  const p = reader(config);
  await assertChain(p, config);
  return /** @type {boolean} */ (await read(p, config.distributor, distributorAbi, "paused"));
}

/** The wallet's account on the distributor's chain (asks to connect when none is). */
async function walletFrom() {
  const from = await connectWallet(
    config,
    "Connect an EIP-1193 wallet (such as MetaMask) that holds the role; none was found.",
  );
  setWalletAccount(from);
  return { wallet: /** @type {NonNullable<ReturnType<typeof injectedWallet>>} */ (injectedWallet()), from };
}

/**
 * A revert as one sentence: the contract's error with its arguments, and what to do.
 * @param {unknown} err
 * @param {string} from
 */
function refusal(err, from) {
  let data;
  for (let e = /** @type {any} */ (err), i = 0; e && i < 5; e = e.cause ?? e.error, i++) {
    const d = typeof e.data === "string" ? e.data : e.data?.data;
    if (typeof d === "string" && /^0x[0-9a-fA-F]{8}/.test(d)) data = /** @type {`0x${string}`} */ (d);
  }
  if (!data) return chainError(err);
  let e;
  try {
    e = decodeErrorResult({ abi: ERRORS, data });
  } catch {
    return chainError(err);
  }
  const args = /** @type {readonly unknown[]} */ (e.args ?? []);
  const shown = args.map((a) => ROLE_NAMES.get(String(a)) ?? String(a));
  const hint =
    e.errorName === "AccessControlUnauthorizedAccount"
      ? `your wallet ${from} is not ${WHO[shown[1] ?? ""] ?? `a holder of ${shown[1]}`}: connect such a wallet`
      : e.errorName === "EnforcedPause"
        ? "the distributor is already paused"
        : e.errorName === "ExpectedPause"
          ? "the distributor is not paused"
          : e.errorName === "TimelockUnexpectedOperationState"
            ? "the change is not in a state that allows this (not ready yet, already executed, or cancelled)"
            : undefined;
  return new DashboardError(
    `The contract refused: ${e.errorName}(${shown.join(", ")})${hint ? `: ${hint}.` : "."}`,
    e.errorName,
  );
}

/**
 * Simulates, then sends one call from the wallet and waits for it to be mined.
 * @param {{ wallet: import("../chain-rpc.js").Eip1193, from: `0x${string}` }} w
 * @param {`0x${string}`} to
 * @param {`0x${string}`} data
 */
async function send(w, to, data) {
  const tx = { from: w.from, to, data };
  try {
    await w.wallet.request({ method: "eth_call", params: [tx, "latest"] });
  } catch (err) {
    throw refusal(err, w.from);
  }
  let hash;
  try {
    hash = await w.wallet.request({ method: "eth_sendTransaction", params: [tx] });
  } catch (err) {
    throw refusal(err, w.from);
  }
  for (let i = 0; i < 600; i++) {
    const receipt = await w.wallet.request({ method: "eth_getTransactionReceipt", params: [hash] });
    if (receipt) {
      if (receipt.status !== "0x1") throw new DashboardError(`The transaction ${hash} reverted.`, "REVERTED");
      return /** @type {`0x${string}`} */ (hash);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DashboardError(`The transaction ${hash} was sent but is not mined yet; check your wallet.`, "PENDING");
}

/**
 * Confirms, sends, says the outcome and refreshes once the indexer shows it (`settled`).
 * @param {{ title: string, summary: string, lines: [string, string][], confirm: string,
 *   to: `0x${string}`, functionName: string, args: unknown[], abi: any, done: string, where?: string }} a
 *   `where`: the id of the card whose `.act-status` shows the outcome (default: the pause card)
 * @param {() => Promise<boolean>} settled true once the API reflects the change
 * @param {() => Promise<void>} refresh
 */
async function transact(a, settled, refresh) {
  const where = a.where ?? "safety";
  unsay();
  let w;
  try {
    w = await walletFrom();
  } catch (err) {
    return tell(where, "error", explain(err));
  }
  const data = encodeFunctionData({ abi: a.abi, functionName: a.functionName, args: a.args });
  const sent = [
    `from      ${w.from}  (your wallet signs)`,
    `to        ${a.to}`,
    `call      ${a.functionName}(${a.args.map((x) => (Array.isArray(x) ? `[${x.join(", ")}]` : String(x))).join(", ")})`,
    `calldata  ${data}`,
  ].join("\n");
  const ok = await confirmAction({ ...a, lines: [["from (your wallet)", w.from], ...a.lines], sent });
  if (!ok) return tell(where, "info", "Nothing was sent.");
  tell(where, "info", "Waiting for your wallet and the chain…");
  try {
    const hash = await send(w, a.to, data);
    for (let i = 0; i < 40 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 500));
    await refresh();
    tell(where, "ok", `${a.done} Transaction ${hash}.`);
  } catch (err) {
    tell(where, "error", explain(err));
  }
}

/**
 * The "Pause" panel's markup: the pause state on-chain, who may pause, and the two buttons.
 * @param {any} g `Query.governance`
 * @param {boolean} paused
 */
export function renderSafety(g, paused) {
  const holders = (/** @type {any[]} */ roles, /** @type {string} */ name) =>
    (roles.find((r) => r.name === name)?.holders ?? []).map((/** @type {any} */ h) =>
      h.account === ZERO_ADDRESS ? "anyone" : short(h.account),
    );
  const pausers = holders(g.roles, "PAUSER_ROLE");
  const governors = g.timelock ? holders(g.timelock.roles, "PROPOSER_ROLE") : [];
  return html`<h3>
      Pause ${paused ? html`<span class="badge bad">paused</span>` : html`<span class="badge good">running</span>`}
    </h3>
    <p class="small" id="pause-state">
      ${
        paused
          ? "Claims and root proposals are paused on-chain (vetoes still work)."
          : "Claims and root proposals are running on-chain."
      }
      Pausing is immediate and only reduces risk: the pauser (${pausers.join(", ") || "nobody"}) sends it from their
      wallet. Unpausing is a safety change: a governor (${governors.join(", ") || "nobody"}) schedules it through the
      timelock, it can be cancelled for ${g.timelock ? duration(Number(g.timelock.minDelaySeconds)) : "its delay"}, then
      anyone executes it below.
    </p>
    <div class="row">
      <span class="muted small" id="wallet-account"
        >${walletAccount ? html`Wallet: <code>${walletAccount}</code>` : "No wallet connected yet: the buttons ask for one."}</span
      >
      <button type="button" id="act-pause" ${raw(paused ? "disabled" : "")}>Pause claims and proposals…</button>
      <button type="button" id="act-unpause" ${raw(paused && g.timelock ? "" : "disabled")}>Schedule unpause…</button>
    </div>
    <p class="act-status" hidden></p>`;
}

/**
 * Wires the pause panel and the Cancel / Execute buttons of the Governance panel's pending rows.
 * @param {HTMLElement} root the view
 * @param {any} g `Query.governance`
 * @param {() => Promise<any>} readGovernance re-reads `Query.governance` from the API
 * @param {() => Promise<void>} refresh
 */
export function wireSafety(root, g, readGovernance, refresh) {
  const tl = g.timelock;
  const opStatus = async (/** @type {string} */ id) =>
    (await readGovernance())?.operations?.find((/** @type {any} */ o) => o.id === id)?.status;
  root.querySelector("#act-pause")?.addEventListener(
    "click",
    () =>
      void transact(
        {
          title: "Pause claims and proposals",
          summary:
            "The distributor stops claims and root proposals at once, until an unpause scheduled through the timelock runs. Vetoes still work.",
          lines: [["contract", `the distributor ${config.distributor}`]],
          confirm: "Sign and send pause()",
          to: config.distributor,
          abi: distributorAbi,
          functionName: "pause",
          args: [],
          done: "The distributor is paused.",
        },
        readPaused,
        refresh,
      ),
  );
  root.querySelector("#act-unpause")?.addEventListener("click", () => {
    if (!tl) return;
    const call = encodeFunctionData({ abi: distributorAbi, functionName: "unpause", args: [] });
    const salt = /** @type {`0x${string}`} */ (
      `0x${[...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("")}`
    );
    const before = new Set(g.operations.map((/** @type {any} */ o) => o.id));
    void transact(
      {
        title: "Schedule unpause through the timelock",
        summary: `unpause() on the distributor is scheduled with the timelock's minimum delay of ${duration(Number(tl.minDelaySeconds))}: it shows under Pending changes, a canceller can stop it meanwhile, and once ready anyone can execute it.`,
        lines: [
          ["timelock", tl.address],
          ["scheduled call", `unpause() on ${config.distributor}`],
          ["delay", `${tl.minDelaySeconds} s (${duration(Number(tl.minDelaySeconds))})`],
          ["salt", salt],
        ],
        confirm: "Sign and send schedule(…)",
        to: tl.address,
        abi: timelockAbi,
        functionName: "schedule",
        args: [config.distributor, 0n, call, ZERO_HASH, salt, BigInt(tl.minDelaySeconds)],
        done: "Unpause is scheduled; it can run once its countdown ends.",
      },
      async () => ((await readGovernance())?.operations ?? []).some((/** @type {any} */ o) => !before.has(o.id)),
      refresh,
    );
  });
  for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (root.querySelectorAll("button[data-op-act]"))) {
    const op = g.operations.find((/** @type {any} */ o) => o.id === button.dataset.op);
    if (!op || !tl) continue;
    const what = op.calls.map((/** @type {any} */ c) => c.description).join("; ");
    button.addEventListener("click", () => {
      if (button.dataset.opAct === "cancel")
        void transact(
          {
            title: "Cancel a scheduled change",
            summary: `The change "${what}" (ready ${time(op.readyAt)}) can never execute once cancelled.`,
            lines: [
              ["timelock", tl.address],
              ["operation", op.id],
            ],
            confirm: "Sign and send cancel(…)",
            to: tl.address,
            abi: timelockAbi,
            functionName: "cancel",
            args: [op.id],
            done: "The change is cancelled.",
            where: "governance",
          },
          async () => (await opStatus(op.id)) === "CANCELLED",
          refresh,
        );
      else
        void transact(
          {
            title: "Execute a ready change",
            summary: `The timelock runs "${what}" now: its delay has passed.`,
            lines: [
              ["timelock", tl.address],
              ["operation", op.id],
            ],
            confirm: "Sign and send execute(…)",
            to: tl.address,
            abi: timelockAbi,
            ...executeCall(op),
            done: "The change ran.",
            where: "governance",
          },
          async () => (await opStatus(op.id)) === "DONE",
          refresh,
        );
    });
  }
}

/**
 * The timelock call that runs `op`: `execute` when its id is the hash of one call (scheduled with
 * `schedule`), else `executeBatch` (the id hashes the batch) — the timelock's own `hashOperation` rules.
 * @param {any} op a TimelockOperation
 * @returns {{ functionName: string, args: unknown[] }}
 */
function executeCall(op) {
  const salt = op.salt ?? ZERO_HASH;
  const targets = op.calls.map((/** @type {any} */ c) => c.target);
  const values = op.calls.map((/** @type {any} */ c) => BigInt(c.value));
  const datas = op.calls.map((/** @type {any} */ c) => c.data);
  if (op.calls.length === 1) {
    const single = keccak256(
      encodeAbiParameters(
        [{ type: "address" }, { type: "uint256" }, { type: "bytes" }, { type: "bytes32" }, { type: "bytes32" }],
        [targets[0], values[0], datas[0], op.predecessor, salt],
      ),
    );
    if (single.toLowerCase() === String(op.id).toLowerCase())
      return { functionName: "execute", args: [targets[0], values[0], datas[0], op.predecessor, salt] };
  }
  return { functionName: "executeBatch", args: [targets, values, datas, op.predecessor, salt] };
}
