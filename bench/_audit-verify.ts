/**
 * The child process of `npm run bench -- audit` (bench/audit.ts): verifies one dataset FILE
 * offline exactly as `ledger verify-epoch --dataset FILE` does (`verifyDatasetOffline` on a
 * verify pool of every core) and prints one JSON line: the checks' outcome, wall and CPU time,
 * each phase's time, and this process's peak RSS. Not a benchmark of its own (the leading `_`).
 *
 *   node bench/_audit-verify.ts FILE
 */
import { createVerifyPool } from "../core/verify-pool.ts";
import { verifyDatasetOffline, type OfflinePhase } from "../scripts/lib/verify/offline.ts";

const file = process.argv[2];
if (!file) {
  console.error("usage: node bench/_audit-verify.ts FILE");
  process.exit(2);
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const phases: Partial<Record<OfflinePhase, number>> = {};
const phaseRssMiB: Partial<Record<OfflinePhase, number>> = {};
let last = t0;
const pool = createVerifyPool();
try {
  const result = await verifyDatasetOffline({
    dataset: file,
    pool,
    onPhase: (phase) => {
      const now = performance.now();
      phases[phase] = Math.round(now - last) / 1000;
      phaseRssMiB[phase] = mib(process.memoryUsage().rss);
      last = now;
    },
  });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const { inputs } = result.dataset;
  process.stdout.write(
    `${JSON.stringify({
      ok: result.checks.every((c) => c.ok),
      failed: result.checks.filter((c) => !c.ok).map((c) => `${c.name}${c.note ? `: ${c.note}` : ""}`),
      receipts: inputs.receipts.length,
      signatures:
        inputs.receipts.length + inputs.grants.length + inputs.registrations.length + inputs.heartbeats.length,
      workers: pool.size,
      wallS: Math.round(wallS * 1000) / 1000,
      cpuS: Math.round(((cpu.user + cpu.system) / 1e6) * 1000) / 1000,
      // KiB on Linux: the whole process (main thread and the pool's workers)
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      phases,
      phaseRssMiB,
    })}\n`,
  );
} finally {
  await pool.close();
}
