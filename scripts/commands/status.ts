import type { Address, Hex } from "viem";
import { formatUsd } from "../../core/units.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { CheckFailedError, UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import {
  chainError,
  checkDistributor,
  connectRpc,
  graphql,
  parseAddress,
  parseHttpUrl,
  parseIntInRange,
} from "../lib/chain.ts";

const USAGE = "ledger status --api URL [--rpc URL] [--distributor ADDRESS] [--epochs N (1–100, default 5)] [--json]";

type StatusData = {
  epochs: { epoch: string; status: string; root: Hex; cumulativeTotalMicroUsd: string; validAt: string }[];
  reconciliation: {
    fundedMicroUsd: string;
    withdrawnMicroUsd: string;
    claimedMicroUsd: string;
    committedMicroUsd: string;
    outstandingLiabilityMicroUsd: string;
    contractBalanceMicroUsd: string | null;
    solvent: boolean;
    balanced: boolean;
  };
  indexer: { chainId: string; contract: Address; blockNumber: string } | null;
};

const QUERY = `query Status($first: Int!) {
  epochs(first: $first) { epoch status root cumulativeTotalMicroUsd validAt }
  reconciliation { fundedMicroUsd withdrawnMicroUsd claimedMicroUsd committedMicroUsd outstandingLiabilityMicroUsd contractBalanceMicroUsd solvent balanced }
  indexer { chainId contract blockNumber }
}`;

const usd = (v: string | null) => (v === null ? "unknown" : `$${formatUsd(BigInt(v))}`);

/**
 * The ledger at a glance: the API's health, its latest epochs with their status, the pool's
 * reconciliation (solvent?), and with --rpc the chain's own latestEpoch/finalizedEpoch. Exits 1
 * when the pool is not solvent or the chain and the API disagree about the finalized epoch.
 */
export const statusCommand: Command = {
  name: "status",
  summary: "the API's health, latest epochs, reconciliation (solvent?) and, with --rpc, the chain's epochs",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        api: { type: "string" },
        rpc: { type: "string" },
        distributor: { type: "string" },
        epochs: { type: "string" },
        json: { type: "boolean" },
      },
      USAGE,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
    const api = parseHttpUrl(values.api, "--api", USAGE);
    const rpc = values.rpc === undefined ? undefined : parseHttpUrl(values.rpc, "--rpc", USAGE);
    const given = values.distributor ? parseAddress(values.distributor, "--distributor", USAGE) : undefined;
    const first = parseIntInRange(values.epochs, "--epochs", 5, 1, 100);

    let health: { status?: string; db?: string };
    try {
      const res = await fetch(`${api}/healthz`, { signal: AbortSignal.timeout(15_000) });
      health = res.ok ? ((await res.json()) as typeof health) : { status: `HTTP ${res.status}` };
    } catch {
      throw new UsageError(`cannot reach the API at ${api}`);
    }
    const data = await graphql<StatusData>(api, QUERY, { first });
    const lines: string[] = [];
    const problems: string[] = [];
    lines.push(`API ${api}: ${health.status ?? "unknown"}${health.db ? ` (database ${health.db})` : ""}`);
    if (data.indexer)
      lines.push(
        `indexer: chain ${data.indexer.chainId}, distributor ${data.indexer.contract}, at block ${data.indexer.blockNumber}`,
      );
    else lines.push("indexer: no block indexed yet");
    lines.push(data.epochs.length ? `latest epochs (API):` : "epochs: none proposed yet");
    for (const e of data.epochs)
      lines.push(
        `  epoch ${e.epoch.padStart(4)}  ${e.status.padEnd(9)}  total ${usd(e.cumulativeTotalMicroUsd)}  root ${e.root.slice(0, 10)}…`,
      );
    const r = data.reconciliation;
    lines.push(
      `reconciliation: funded ${usd(r.fundedMicroUsd)}, withdrawn ${usd(r.withdrawnMicroUsd)}, claimed ${usd(r.claimedMicroUsd)}, committed ${usd(r.committedMicroUsd)}, outstanding ${usd(r.outstandingLiabilityMicroUsd)}, contract balance ${usd(r.contractBalanceMicroUsd)}`,
    );
    lines.push(`  solvent: ${r.solvent ? "yes" : "NO"}; balanced with the books: ${r.balanced ? "yes" : "no"}`);
    if (!r.solvent) problems.push("the pool is not solvent");

    let chain: { chainId: number; distributor: Address; latestEpoch: string; finalizedEpoch: string } | undefined;
    if (rpc) {
      const apiChainId = data.indexer ? Number(data.indexer.chainId) : undefined;
      const { client, chainId } = await connectRpc(rpc, apiChainId);
      const distributor = given ?? (data.indexer?.contract.toLowerCase() as Address | undefined);
      if (!distributor) throw new UsageError("the API has not indexed a distributor yet: give --distributor ADDRESS");
      try {
        await checkDistributor(client, distributor, chainId);
        const abi = distributorAbi();
        const [latest, finalized] = await Promise.all([
          client.readContract({ address: distributor, abi, functionName: "latestEpoch" }),
          client.readContract({ address: distributor, abi, functionName: "finalizedEpoch" }),
        ]);
        chain = { chainId, distributor, latestEpoch: latest.toString(), finalizedEpoch: finalized.toString() };
      } catch (err) {
        throw chainError(err, rpc);
      }
      lines.push(
        `chain ${chainId} (${rpc}): distributor ${distributor}, latestEpoch ${chain.latestEpoch}, finalizedEpoch ${chain.finalizedEpoch}`,
      );
      const apiFinalized = data.epochs.find((e) => e.status === "Finalized")?.epoch;
      if (apiFinalized !== undefined && BigInt(apiFinalized) > BigInt(chain.finalizedEpoch))
        problems.push(`the API reports epoch ${apiFinalized} finalized, the chain only ${chain.finalizedEpoch}`);
    }
    if (values.json) console.log(JSON.stringify({ health, ...data, chain, ok: problems.length === 0 }));
    else console.log(lines.join("\n"));
    if (problems.length) throw new CheckFailedError(problems.join("; "));
  },
};
