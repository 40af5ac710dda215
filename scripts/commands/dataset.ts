import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { createKeccak } from "hash-wasm";
import { CheckFailedError, UsageError, parseCommandArgs, progress, type Command } from "../lib/cli.ts";

const USAGE =
  "ledger dataset export N FILE --api URL   (chain epoch N's published dataset, to mirror or check offline)";

/**
 * `ledger dataset export N FILE`: downloads chain epoch N's published dataset from an API
 * (`GET /v1/epochs/N/dataset`), streamed to FILE (never held whole) and hashed as it is written;
 * the file appears only when the bytes hash to the `x-dataset-hash` the API names. Check it
 * against the chain with `ledger verify-epoch N --dataset FILE --rpc URL`.
 */
export async function exportDataset(o: {
  api: string;
  epoch: bigint;
  file: string;
}): Promise<{ datasetHash: string; bytes: number }> {
  const url = `${o.api.replace(/\/$/, "")}/v1/epochs/${o.epoch}/dataset`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new UsageError(`cannot reach the API at ${o.api} (${err instanceof Error ? err.message : String(err)})`);
  }
  if (res.status === 404) throw new UsageError(`the API has no dataset for epoch ${o.epoch} (${url})`);
  if (!res.ok) throw new UsageError(`the API answered ${res.status} for ${url}`);
  const named = res.headers.get("x-dataset-hash")?.toLowerCase();
  if (!named || !/^0x[0-9a-f]{64}$/.test(named))
    throw new UsageError(`the API did not name the dataset's hash (${url})`);
  const total = Number(res.headers.get("content-length") ?? 0);
  const hasher = await createKeccak(256);
  hasher.init();
  const tmp = `${o.file}.${process.pid}.part`;
  let fd: number;
  try {
    fd = openSync(tmp, "w");
  } catch {
    throw new UsageError(`cannot write ${o.file}`);
  }
  const bar = progress(`download epoch ${o.epoch}'s dataset`);
  let bytes = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hasher.update(chunk);
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
      bytes += chunk.length;
      bar.update(bytes, total);
    }
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  bar.done(`${bytes} bytes`);
  const datasetHash = `0x${hasher.digest("hex")}`;
  if (datasetHash !== named) {
    rmSync(tmp, { force: true });
    throw new CheckFailedError(
      `the downloaded bytes hash to ${datasetHash}, not the ${named} the API named: nothing written`,
    );
  }
  renameSync(tmp, o.file);
  return { datasetHash, bytes };
}

export const datasetCommand: Command = {
  name: "dataset",
  summary: "export N FILE — a chain epoch's published dataset to a file (hash-checked), to mirror or verify offline",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { api: { type: "string" } }, USAGE);
    const [action, n, file, ...rest] = positionals;
    if (action !== "export") throw new UsageError(`expected export\nusage: ${USAGE}`);
    if (!n || !/^[1-9]\d{0,18}$/.test(n)) throw new UsageError(`expected a chain epoch N (1, 2, …)\nusage: ${USAGE}`);
    if (!file) throw new UsageError(`expected the FILE to write\nusage: ${USAGE}`);
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")}\nusage: ${USAGE}`);
    if (!values.api) throw new UsageError(`--api URL is required\nusage: ${USAGE}`);
    const { datasetHash, bytes } = await exportDataset({ api: values.api, epoch: BigInt(n), file });
    console.log(`epoch ${n}: ${bytes} bytes, datasetHash ${datasetHash} → ${file}`);
  },
};
