import { writeFileSync } from "node:fs";

/**
 * A node:test reporter that counts leaf tests (suites are not tests) and writes
 * `{ passed, failed, skipped }` as JSON to the file named by `LEDGER_TEST_COUNTS`.
 * `scripts/test.ts` adds these to the Solidity counts for the closing line.
 */
export default async function* countReporter(
  source: AsyncIterable<{
    type: string;
    data: { details?: { type?: string; error?: { failureType?: string } }; skip?: unknown; todo?: unknown };
  }>,
): AsyncGenerator<string> {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    if (event.data.details?.type === "suite") {
      // A suite whose hooks throw fails without a failing test: count that once. A suite that
      // fails because a test inside it failed is already counted by that test.
      if (event.type === "test:fail" && event.data.details.error?.failureType !== "subtestsFailed") counts.failed += 1;
      continue;
    }
    if (event.data.skip !== undefined || event.data.todo !== undefined) counts.skipped += 1;
    else if (event.type === "test:pass") counts.passed += 1;
    else counts.failed += 1;
  }
  const file = process.env.LEDGER_TEST_COUNTS;
  if (file) writeFileSync(file, JSON.stringify(counts));
  yield "";
}
