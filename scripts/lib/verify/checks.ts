/** The audit's vocabulary: one comparison (`Check`) and the report `verify-epoch` prints. */

/** One comparison of the audit: what was expected, what was found. */
export type Check = { name: string; ok: boolean; expected?: string; actual?: string; note?: string };

export type VerifyEpochReport = { epoch: bigint; ok: boolean; checks: Check[] };

/** A check that `expected` and `actual` are the same (hex compared case-insensitively). */
export function eq(name: string, expected: string, actual: string): Check {
  return { name, ok: expected.toLowerCase() === actual.toLowerCase(), expected, actual };
}

/** A failed check in one line: its name, what was expected and found, and its note. */
export function describeCheck(c: Check): string {
  const detail = [
    c.expected !== undefined ? `expected ${c.expected}` : "",
    c.actual !== undefined ? `got ${c.actual}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return `${c.name}${detail ? `: ${detail}` : ""}${c.note ? ` — ${c.note}` : ""}`;
}
