/**
 * Preloaded into the process the soak benchmark runs (`node --import ./bench/_soak-probe.ts …`):
 * answers each `"sample"` message on the IPC channel with the process's memory and its event
 * loop's delay since the previous sample (perf_hooks' histogram, 10 ms resolution; its samples
 * include the resolution itself, which is subtracted: an idle loop reads ≈ 0). Inert without an
 * IPC channel; never keeps the process alive. Run with `--expose-gc`, it collects garbage fully
 * before reading memory.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

/** Memory figures are bytes, as `process.memoryUsage()` gives them (a measurement, not an amount). */
export type SoakSample = {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** Memory outside V8's heap that V8 knows of: ArrayBuffers, Buffers, and WebAssembly memories (PGlite's). */
  external: number;
  arrayBuffers: number;
  lagMeanMs: number;
  lagP99Ms: number;
  lagMaxMs: number;
};

if (process.send) {
  const RESOLUTION_MS = 10;
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const lag = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  delay.enable();
  process.on("message", (m: unknown) => {
    if (m !== "sample") return;
    // With --expose-gc, a full collection first: the heap then holds only what is reachable,
    // so a leak shows as a climb instead of hiding in the collector's sawtooth.
    (globalThis as { gc?: () => void }).gc?.();
    const mem = process.memoryUsage();
    const sample: SoakSample = {
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      lagMeanMs: lag(delay.mean),
      lagP99Ms: lag(delay.percentile(99)),
      lagMaxMs: lag(delay.max),
    };
    delay.reset();
    process.send!(sample);
  });
  process.channel?.unref();
}
