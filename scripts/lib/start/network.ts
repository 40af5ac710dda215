/**
 * `npm start`'s simulated network and its progress lines: takes the API, the chain and the data
 * directory's state and hands on the simulated supporters and viewers (started unless
 * `--no-simulate`), then one line per epoch transition, with two honest supporters' claims after
 * each finalized epoch.
 */
import type { Logger } from "pino";
import { BaseError, ContractFunctionRevertedError, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { formatUsd } from "../../../core/units.ts";
import { distributorAbi } from "../../../chain/abi.ts";
import { proofFor } from "../../../oracle/proofs.ts";
import { listEpochs } from "../../../oracle/repositories/epochs.ts";
import { createSimulator, makeActors, type Actor } from "../simulator.ts";
import type { StartChain } from "./deployment.ts";
import type { StartServices } from "./services.ts";
import { devKey, type DevStore, type StartStep } from "./state.ts";

/** Step 7 of `npm start`: the dev platform's API key, the actors, and the simulator when `simulate`. */
export async function startNetwork(
  o: StartStep & {
    chain: StartChain;
    apiUrl: string;
    store: DevStore;
    supporterCount: number;
    simulate: boolean;
  },
): Promise<Actor[]> {
  const { state, saveState } = o.store;
  const { apiUrl, stops, say } = o;
  const domain = o.chain.domain;
  // 7. The simulated network.
  if (!state.platformApiKey) {
    const res = await fetch(`${apiUrl}/v1/admin/api-keys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${state.adminApiKey}` },
      body: JSON.stringify({ name: "dev streaming platform", scopes: ["sessions:write"] }),
    });
    state.platformApiKey = ((await res.json()) as { key: string }).key;
    saveState();
  }
  if (!state.actors) {
    state.actors = makeActors(o.supporterCount);
    saveState();
  }
  const actors = state.actors;
  let simulator: ReturnType<typeof createSimulator> | undefined;
  if (o.simulate) {
    simulator = createSimulator({ apiUrl, domain, platformKey: state.platformApiKey, actors, log: say });
    const current = () => BigInt(Math.floor((Date.now() / 1000 - state.genesis) / state.epochSeconds));
    await simulator.start(current);
    stops.push(() => simulator!.stop());
    const founder = actors.find((a) => a.founder);
    if (founder)
      await fetch(`${apiUrl}/v1/admin/supporters/${founder.node}/founder`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${state.adminApiKey}` },
        body: JSON.stringify({ founder: true }),
      });
  }
  return actors;
}

/**
 * The simulated platform's CDN report for a computed epoch, entered as an admin would
 * (`POST /v1/admin/cdn-usage`, provider `simulated-cdn`): 1.5 … 2.5 × the bytes supporters counted,
 * so the dashboard's supporter vs CDN chart has a figure to compare with.
 */
async function reportSimulatedCdn(apiUrl: string, adminKey: string, epoch: bigint, say: (line: string) => void) {
  try {
    const res = await fetch(`${apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "query ($e: BigInt!) { networkMetrics(epoch: $e) { supporterCountedBytes } }",
        variables: { e: epoch.toString() },
      }),
    });
    const body = (await res.json()) as { data?: { networkMetrics?: { supporterCountedBytes: string | null } } };
    const counted = BigInt(body.data?.networkMetrics?.supporterCountedBytes ?? "0");
    const servedBytes = (counted * (150n + ((epoch * 37n) % 100n))) / 100n;
    const report = await fetch(`${apiUrl}/v1/admin/cdn-usage`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ epoch: Number(epoch), provider: "simulated-cdn", servedBytes: servedBytes.toString() }),
    });
    if (!report.ok) say(`  CDN report for window ${epoch} refused: HTTP ${report.status}`);
  } catch (err) {
    say(`  CDN report for window ${epoch} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Step 8 of `npm start`: the progress lines every second until stopped. */
export async function followProgress(
  o: StartStep & {
    chain: StartChain;
    services: StartServices;
    actors: Actor[];
    log: Logger;
    /** With the simulated network: the admin key that reports each computed epoch's simulated CDN bytes. */
    cdnReportKey?: string | undefined;
  },
): Promise<void> {
  const { actors, log, stops, say } = o;
  const { rpcUrl, distributor, publicClient } = o.chain;
  const { db } = o.services;
  // 8. Progress: every transition once, claims after each finalized epoch.
  // A restart announces only what is new: the epochs already in the database are remembered
  // as seen (and their claims as done), and summed up in one line.
  const seen = new Map<bigint, string>();
  const earlier = await listEpochs(db, 20);
  for (const row of earlier) seen.set(row.epoch, row.status);
  /** Windows whose simulated CDN usage is reported (those of an earlier run were reported by it). */
  const cdnReported = new Set(
    earlier.filter((row) => ["COMPUTED", "SIGNED", "POSTED", "FINALIZED"].includes(row.status)).map((row) => row.epoch),
  );
  const lastFinalized = earlier.find((row) => row.status === "FINALIZED");
  if (earlier.length > 0)
    say(
      `resuming: ${earlier.length} epoch windows already recorded${lastFinalized ? `, epoch ${lastFinalized.chainEpoch ?? lastFinalized.epoch} finalized last` : ""}`,
    );
  const abi = distributorAbi();
  const claimer = createWalletClient({ account: privateKeyToAccount(devKey(1)), transport: http(rpcUrl) });
  const progress = async () => {
    for (const row of (await listEpochs(db, 20)).reverse()) {
      if (seen.get(row.epoch) === row.status) continue;
      seen.set(row.epoch, row.status);
      const n = row.chainEpoch ?? row.epoch;
      if (
        o.cdnReportKey &&
        !cdnReported.has(row.epoch) &&
        ["COMPUTED", "SIGNED", "POSTED", "FINALIZED"].includes(row.status)
      ) {
        cdnReported.add(row.epoch);
        await reportSimulatedCdn(o.services.apiUrl, o.cdnReportKey, row.epoch, say);
      }
      if (row.status === "COMPUTED") {
        say(
          `epoch ${n} computed: ${row.supporters ?? 0} supporters, payout $${formatUsd(row.payoutMicroUsd ?? 0n)}, root ${row.root}`,
        );
      } else if (row.status === "POSTED")
        say(
          `epoch ${n} posted (tx ${row.proposeTx}), disputable until ${new Date(Number(row.validAt ?? 0n) * 1000).toISOString().slice(11, 19)}`,
        );
      else if (row.status === "FINALIZED") {
        say(`epoch ${n} finalized`);
        // Two supporters claim what they are owed (anyone may claim on an account's behalf).
        for (const a of actors.filter((x) => x.behaviour === "honest").slice(0, 2)) {
          const p = await proofFor(db, row.epoch, a.payout);
          if (!p) continue;
          try {
            // Nothing to send when everything this root entitles is already claimed.
            const claimed = await publicClient.readContract({
              address: distributor,
              abi,
              functionName: "claimed",
              args: [a.payout],
            });
            if (claimed >= p.cumulativeMicroUsd) continue;
            const hash = await claimer.writeContract({
              address: distributor,
              abi,
              functionName: "claim",
              args: [a.payout, p.cumulativeMicroUsd, p.proof],
              chain: null,
            });
            await publicClient.waitForTransactionReceipt({ hash });
            say(`  ${a.name} claimed up to $${formatUsd(p.cumulativeMicroUsd)} (tx ${hash})`);
          } catch (err) {
            // A newer root finalized meanwhile, or another claimer was first: not worth a line.
            const reverted =
              err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
            const name = reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
            if (!name || !/NothingToClaim|RootMismatch|NoFinalizedRoot/.test(name))
              say(
                `  claim for ${a.name} failed: ${name ?? (err instanceof Error ? err.message.split("\n")[0] : String(err))}`,
              );
          }
        }
      } else if (row.status === "CLOSED")
        say(
          `window ${row.epoch} closed (${row.startsAt.toISOString().slice(11, 19)}–${row.endsAt.toISOString().slice(11, 19)})`,
        );
      else if (row.status !== "OPEN")
        say(`epoch ${n} ${row.status.toLowerCase()}${row.alert ? ` (${row.alert})` : ""}`);
    }
  };
  const timer = setInterval(() => void progress().catch((err: unknown) => log.warn({ err }, "progress")), 1_000);
  stops.push(async () => clearInterval(timer));
}
