import { describe, it } from "node:test";
import { expect } from "chai";
import { canonicalEqual, canonicalJson } from "./dataset/canonical-json.ts";
import {
  comparePlainSigned,
  GRANT_SHAPE,
  HEARTBEAT_SHAPE,
  isPlainSigned,
  isPlainVerdict,
  plainReceiptLine,
  plainSignedLine,
  RECEIPT_SHAPE,
  REGISTRATION_SHAPE,
  sortPlainSigned,
} from "./canonical-signed.ts";
import type { Shape } from "./canonical-signed.ts";
import { fastReceiptLine } from "./parse-lines.ts";
import type { ReceiptVerdict } from "./verdict.ts";
import { REASONS } from "./verdict.ts";

// a deterministic generator (xorshift), so a failure reproduces
let state = 0x9e3779b9;
const rand = (n: number) => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) % n;
};
const hex = (bytes: number): `0x${string}` =>
  `0x${Array.from({ length: bytes * 2 }, () => "0123456789abcdef"[rand(3)]).join("")}`;
// hex digits 0–2 and small value ranges, so equal fields, decimal prefixes (1, 10, 100) and ties are common
const big = () => [0n, 1n, 10n, 100n, 9n, 99n, 1000n, 12n][rand(8)]!;

function item(shape: Shape) {
  const message: Record<string, unknown> = {};
  for (const [name, kind] of shape) message[name] = kind === "big" ? big() : hex(1 + rand(2));
  return { message, signature: hex(1 + rand(2)) };
}

const generic = (items: readonly object[]) =>
  items
    .map((x, i) => ({ key: canonicalJson(x), i }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.i);

describe("canonical-signed (fast paths of the dataset's canonical form)", () => {
  for (const [name, shape, t] of [
    ["receipt", RECEIPT_SHAPE, "receipt"],
    ["grant", GRANT_SHAPE, "grant"],
    ["registration", REGISTRATION_SHAPE, "registration"],
    ["heartbeat", HEARTBEAT_SHAPE, "heartbeat"],
  ] as const) {
    it(`behavior: ${name} lines and order are byte-identical to the generic canonical JSON`, () => {
      const items = Array.from({ length: 2_000 }, () => item(shape));
      for (const x of items) {
        expect(isPlainSigned(x, shape, false)).to.equal(true);
        expect(plainSignedLine(x, shape, t)).to.equal(canonicalJson({ ...x, t }));
      }
      const order = generic(items);
      const sorted = sortPlainSigned(items, shape);
      expect(sorted.map((x) => items.indexOf(x))).to.deep.equal(order);
      for (let i = 1; i < sorted.length; i++)
        expect(comparePlainSigned(sorted[i - 1]!, sorted[i]!, shape)).to.be.at.most(0);
      // already sorted: same order again
      expect(sortPlainSigned(sorted, shape)).to.deep.equal(sorted);
    });
  }

  it("behavior: receipt lines with verdicts match the generic serialization (index dropped)", () => {
    const reasons = Object.keys(REASONS) as ReceiptVerdict["reasons"];
    for (let i = 0; i < 500; i++) {
      const r = item(RECEIPT_SHAPE);
      const v: ReceiptVerdict = {
        index: i,
        id: rand(10) === 0 ? null : hex(32),
        status: (["accepted", "clipped", "flagged", "rejected", "duplicate"] as const)[rand(5)]!,
        reasons: reasons.filter(() => rand(6) === 0),
        claimedBytes: big(),
        countedBytes: big(),
      };
      expect(
        isPlainVerdict(v, new Set(["accepted", "clipped", "flagged", "rejected", "duplicate"]), new Set(reasons)),
      ).to.equal(true);
      const { index: _index, ...verdict } = v;
      const line = plainReceiptLine(r, v);
      expect(line).to.equal(canonicalJson({ ...r, t: "receipt", verdict }));
      // read back field by field: the verdict comes back equal
      const viaJson = fastReceiptLine(JSON.parse(line) as Record<string, unknown>, i);
      expect(viaJson?.verdict).to.deep.equal(v);
    }
  });

  it("error: items not in plain form are refused (the generic path takes them)", () => {
    const x = item(RECEIPT_SHAPE);
    expect(isPlainSigned({ ...x, signature: "0xAB" }, RECEIPT_SHAPE, false)).to.equal(false);
    expect(isPlainSigned({ ...x, signature: '0x"' }, RECEIPT_SHAPE, false)).to.equal(false);
    expect(isPlainSigned({ ...x, domain: { chainId: 1 } }, RECEIPT_SHAPE, false)).to.equal(false);
    expect(isPlainSigned({ ...x, extra: 1 }, RECEIPT_SHAPE, false)).to.equal(false);
    expect(isPlainSigned({ ...x, message: { ...x.message, seq: 1 } }, RECEIPT_SHAPE, true)).to.equal(false);
    expect(isPlainSigned({ ...x, message: { ...x.message, extra: "1" } }, RECEIPT_SHAPE, false)).to.equal(false);
    expect(isPlainSigned({ ...x, message: { ...x.message, viewer: "0xAb" } }, RECEIPT_SHAPE, false)).to.equal(false);
  });

  it("behavior: canonicalEqual agrees with comparing canonical JSON", () => {
    const cases: [unknown, unknown][] = [
      [
        { a: 1n, b: "0xAB" },
        { b: "0xab", a: "1" },
      ],
      [{ a: 1n }, { a: 1 }],
      [{ a: 1n, c: undefined }, { a: 1n }],
      [
        [1n, undefined],
        [1n, null],
      ],
      [{ a: [{ x: "0x01" }] }, { a: [{ x: "0x01", y: 2 }] }],
      ["abc", "ABC"],
      [null, null],
      [{ a: null }, { a: undefined }],
    ];
    for (const [a, b] of cases)
      expect(canonicalEqual(a, b), canonicalJson([a, b])).to.equal(canonicalJson(a) === canonicalJson(b));
  });
});
