/**
 * The watchtower's verdict lines: takes each proposal's verdict and hands on one log line with the
 * running totals (skipped proposals summed up in one line per pass) and the optional webhook POST,
 * whose failures are logged, never fatal.
 */
import { firstLine } from "../../chain/client.ts";
import type { ProposalVerdict, WatchtowerCounters, WatchtowerParameters } from "./watchtower.ts";

/** Counts and reports the verdicts of one watchtower into `counters`. */
export function createReporter(
  p: Pick<WatchtowerParameters, "log" | "webhook">,
  counters: WatchtowerCounters,
): { report(v: ProposalVerdict): Promise<void>; reportSkipped(out: readonly ProposalVerdict[]): void } {
  const totals = () =>
    `[${counters.verified} verified, ${counters.vetoed} vetoed, ${counters.skipped} skipped, ${counters.missed} missed]`;

  /** A verdict's line and webhook call; skipped proposals (a restart's history) are summed up in one line per pass instead. */
  async function report(v: ProposalVerdict): Promise<void> {
    counters[v.verdict]++;
    if (v.verdict === "skipped") return;
    p.log(
      `watchtower: epoch ${v.epoch} attempt ${v.attempt} root ${v.root} ${v.verdict}${v.tx ? ` (tx ${v.tx})` : ""}: ${v.reason} ${totals()}`,
    );
    if (!p.webhook) return;
    try {
      const res = await fetch(p.webhook, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          epoch: Number(v.epoch),
          attempt: Number(v.attempt),
          root: v.root,
          verdict: v.verdict,
          reason: v.reason,
          ...(v.tx ? { tx: v.tx } : {}),
        }),
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) p.log(`watchtower: the webhook ${p.webhook} answered ${res.status} for epoch ${v.epoch}`);
    } catch (err) {
      p.log(`watchtower: the webhook ${p.webhook} failed for epoch ${v.epoch}: ${firstLine(err)}`);
    }
  }

  /** One line for the proposals of a pass found no longer pending. */
  function reportSkipped(out: readonly ProposalVerdict[]): void {
    const skipped = out.filter((v) => v.verdict === "skipped");
    if (skipped.length > 0)
      p.log(
        `watchtower: ${skipped.length} proposal(s) no longer pending, skipped: ${skipped
          .slice(0, 5)
          .map(
            (v) =>
              `epoch ${v.epoch} attempt ${v.attempt} (${v.reason.replace(/^no longer pending:? ?/, "").replace(/^\((.*)\)$/, "$1")})`,
          )
          .join(", ")}${skipped.length > 5 ? ", …" : ""} ${totals()}`,
      );
  }

  return { report, reportSkipped };
}
