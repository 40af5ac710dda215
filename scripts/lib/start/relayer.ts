/**
 * `npm start`'s gasless-claim relayer (step 2b, before the API, which hands its URL to the
 * dashboard): `ledger relayer` on the dev chain's RPC and distributor, paying gas from dev account #9 (or `LEDGER_RELAYER_KEYSTORE` / `_PRIVATE_KEY`),
 * listening on `LEDGER_RELAYER_PORT` (default: the API's port + 10; any free port when taken).
 * Hands on its URL.
 */
import { env } from "node:process";
import { startRelayer } from "../../commands/relayer.ts";
import type { StartChain } from "./deployment.ts";
import { devKey, type StartStep } from "./state.ts";

export async function startDevRelayer(o: StartStep & { chain: StartChain; apiPort: number }): Promise<string> {
  const config = {
    ...env,
    LEDGER_RPC_URL: o.chain.rpcUrl,
    LEDGER_DISTRIBUTOR_ADDRESS: o.chain.distributor,
    LEDGER_RELAYER_PRIVATE_KEY: env.LEDGER_RELAYER_PRIVATE_KEY ?? devKey(9),
    LEDGER_DEV_MODE: "1",
    PORT: env.LEDGER_RELAYER_PORT ?? String(o.apiPort === 0 ? 0 : o.apiPort + 10),
  };
  let relayer;
  try {
    relayer = await startRelayer(config, { quiet: true });
  } catch (err) {
    if ((err as { code?: string }).code !== "EADDRINUSE" || env.LEDGER_RELAYER_PORT) throw err;
    relayer = await startRelayer({ ...config, PORT: "0" }, { quiet: true });
  }
  const running = relayer;
  o.stops.push(() => running.close());
  return relayer.url;
}
