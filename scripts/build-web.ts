/**
 * `npm run build:web`: compiles the contracts when needed, then bundles the dashboard's vendor
 * modules (viem's few functions, the contract ABIs from `artifacts/`) into `web/dist/`, which the
 * API serves at `/dashboard/vendor/`. `npm start` and `npm test` do this themselves when the bundle
 * is missing or stale; this always bundles, e.g. before `npm ci --omit=dev` on a server.
 */
import { buildWeb, ensureContractsBuilt } from "./lib/build.ts";

try {
  ensureContractsBuilt();
  buildWeb();
  console.error("bundled the dashboard into web/dist/");
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
