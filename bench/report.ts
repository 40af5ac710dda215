/**
 * The one output format of every benchmark: one JSON object per line per measurement.
 * With a baseline measured in the same run, `ratio` is `value / baselineValue` (for
 * throughput: how many times faster; for times and memory: how many times as much).
 */
export type Measurement = {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  baseline?: string;
  baselineValue?: number;
  /** Anything else worth recording: sizes, machine facts, the target. */
  [extra: string]: unknown;
};

export function report(m: Measurement): void {
  const line: Record<string, unknown> = { ...m, value: round(m.value) };
  if (m.baseline !== undefined && m.baselineValue !== undefined) {
    line.baselineValue = round(m.baselineValue);
    line.ratio = m.baselineValue === 0 ? null : round(m.value / m.baselineValue);
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const round = (v: number) => (Number.isInteger(v) ? v : Math.round(v * 1000) / 1000);

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
