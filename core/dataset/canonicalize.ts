/**
 * Takes an epoch's inputs and hands on the same inputs in canonical form (the order and case the
 * dataset lists them in), marking the arrays it has put in canonical order for serialize.ts.
 */
import type { Address } from "../eip712/domain.ts";
import {
  GRANT_SHAPE,
  HEARTBEAT_SHAPE,
  isPlainSigned,
  RECEIPT_SHAPE,
  REGISTRATION_SHAPE,
  sortPlainSigned,
} from "../canonical-signed.ts";
import type { Shape } from "../canonical-signed.ts";
import { canonicalJson, revive } from "./canonical-json.ts";
import type { EpochInputs } from "./types.ts";

export /**
 * Arrays `canonicalizeInputs` returned in canonical order with every item plain (see
 * core/canonical-signed.ts): serialized without sorting, by the fast line templates. Such an
 * array must not be modified afterwards (core never does).
 */
const canonicalArrays = new WeakSet<readonly unknown[]>();

/**
 * The inputs in canonical form: hex lower-cased and every section in the order the dataset
 * lists it (so verdict indices match the serialized receipts). `recomputeEpoch` runs on this.
 *
 * Signed sections whose items are all plain (core/canonical-signed.ts) keep their items as
 * they are (already canonical) and are only sorted — linear when already in order; any other
 * section goes through the generic canonical-JSON round trip. `form: "trusted"`: the caller
 * guarantees its hex strings are lower-case and its items have exactly their fields (the
 * oracle's repositories build them from bytea so), and only the types are checked.
 */
export function canonicalizeInputs(inputs: EpochInputs, options: { form?: "check" | "trusted" } = {}): EpochInputs {
  const trusted = options.form === "trusted";
  const sortCanon = <T>(items: readonly T[]): T[] =>
    items
      .map((item) => [canonicalJson(item), item] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([json]) => JSON.parse(json, revive) as T);
  const sortSigned = <T>(items: readonly T[], shape: Shape): T[] => {
    if (canonicalArrays.has(items)) return items as T[];
    if (!items.every((item) => isPlainSigned(item, shape, trusted))) return sortCanon(items);
    const out = sortPlainSigned(items, shape);
    canonicalArrays.add(out);
    return out;
  };
  const canon = <T>(value: T): T => (value === null ? value : (JSON.parse(canonicalJson(value), revive) as T));
  return {
    ...inputs,
    domain: { ...inputs.domain, verifyingContract: inputs.domain.verifyingContract.toLowerCase() as Address },
    coordinator: inputs.coordinator.toLowerCase() as Address,
    predecessor: canon(inputs.predecessor),
    budgetApproval: canon(inputs.budgetApproval),
    rateCardApproval: canon(inputs.rateCardApproval),
    founders: sortCanon(inputs.founders),
    registrations: sortSigned(inputs.registrations, REGISTRATION_SHAPE),
    grants: sortSigned(inputs.grants, GRANT_SHAPE),
    receipts: sortSigned(inputs.receipts, RECEIPT_SHAPE),
    heartbeats: sortSigned(inputs.heartbeats, HEARTBEAT_SHAPE),
    checkpoints: sortCanon(inputs.checkpoints),
    flagDecisions: sortCanon(inputs.flagDecisions),
    previousLeaves: sortCanon(inputs.previousLeaves),
  };
}
