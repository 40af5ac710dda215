// The StreamrP2P ledger dashboard: three views over the GraphQL API (supporter, auditor,
// admin) and the Supporter Bill of Rights, live through GraphQL subscriptions over SSE, checking
// payouts against the chain in the browser. Hash routes: #/supporter[/0xADDRESS],
// #/auditor[/epoch/N], #/admin, #/rights.
// This entry reads /dashboard/config.json and hands each route to its view in web/views/.
//
// Epoch numbers: the page shows the contract's epoch numbers ("epoch 2": what claims, proofs,
// `ledger verify-epoch` and the Auditor use). The coordinator numbers its time windows on its own
// clock; where one appears it is labelled "coordinator epoch" (each window the oracle computes
// becomes the next on-chain epoch: `OracleEpoch.chainEpoch`).
import { short } from "./format.js";
import { $, config, explain, say, setConfig, stopLive, unsay, view } from "./page.js";
import { adminView } from "./views/admin.js";
import { auditorView } from "./views/auditor.js";
import { rightsView } from "./views/rights.js";
import { supporterView } from "./views/supporter.js";

const NAV = [
  ["supporter", "Supporter"],
  ["auditor", "Auditor"],
  ["admin", "Admin"],
  ["rights", "Your rights"],
];

async function route() {
  stopLive();
  unsay();
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const page = parts[0] ?? "supporter";
  for (const a of document.querySelectorAll("nav a"))
    a.classList.toggle("active", /** @type {HTMLAnchorElement} */ (a).dataset.page === page);
  try {
    if (page === "supporter") await supporterView(parts[1]);
    else if (page === "auditor") await auditorView(parts[1] === "epoch" ? parts[2] : undefined);
    else if (page === "admin") await adminView();
    else if (page === "rights") await rightsView();
    else {
      view().innerHTML = "";
      say("error", `There is no page "${page}". Pick Supporter, Auditor, Admin or Your rights above.`);
    }
  } catch (err) {
    say("error", explain(err));
  }
}

async function main() {
  $("nav").innerHTML = NAV.map(([p, label]) => `<a href="#/${p}" data-page="${p}">${label}</a>`).join("");
  try {
    const res = await fetch("config.json");
    if (!res.ok) throw new Error(String(res.status));
    setConfig(await res.json());
  } catch {
    say("error", "The ledger API is unreachable. Check that it is running, then reload.");
    return;
  }
  $("#chain").textContent = `chain ${config.chainId} · distributor ${short(config.distributor)}`;
  window.addEventListener("hashchange", () => void route());
  await route();
  document.body.dataset.ready = "true";
}

void main();
