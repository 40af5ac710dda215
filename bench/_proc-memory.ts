/**
 * Memory of a process on this machine as the kernel counts it, from /proc (Linux): resident
 * (RSS), proportional (PSS: shared pages divided among the processes sharing them — what a
 * PostgreSQL backend's share of `shared_buffers` really costs) and private (pages no other
 * process maps). Bytes, as /proc gives them in kB; undefined when the process is gone or /proc
 * is not readable (another OS, another user's process without the right to read it).
 */
import { readFileSync } from "node:fs";

export type ProcMemory = { rss: number; pss: number; private: number };

export function procMemory(pid: number): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  } catch {
    return undefined;
  }
  if (!/^Rss:/m.test(text)) return undefined; // a zombie: exited, not yet reaped
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
  return { rss: kB("Rss"), pss: kB("Pss"), private: kB("Private_Clean") + kB("Private_Dirty") };
}

/** The sum over several processes (PostgreSQL's backends of one database), with how many were readable. */
export function procMemoryOf(pids: number[]): ProcMemory & { processes: number } {
  const total = { rss: 0, pss: 0, private: 0, processes: 0 };
  for (const pid of pids) {
    const m = procMemory(pid);
    if (!m) continue;
    total.rss += m.rss;
    total.pss += m.pss;
    total.private += m.private;
    total.processes++;
  }
  return total;
}
