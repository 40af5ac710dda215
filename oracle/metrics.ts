import type { OracleContext } from "./context.ts";

/**
 * The oracle's metrics wiring: takes what the transitions observe (a stage's wall time, an
 * epoch's funding alert) and hands it on — stage times to the context's `onStage` hook (the
 * bench, progress output), alerts to the in-process gauges below.
 */

/** In-process gauges for alerts; across processes the API's /metrics reads `epoch_state.alert` (`ledger_epochs_alerting`). */
export const oracleMetrics = { insufficientFunding: new Set<bigint>() };

/** Times `fn` as stage `stage` through `ctx.onStage`. */
export async function timed<T>(ctx: OracleContext, stage: string, epoch: bigint, fn: () => Promise<T> | T): Promise<T> {
  const t = performance.now();
  const result = await fn();
  ctx.onStage?.(stage, performance.now() - t, epoch);
  return result;
}
