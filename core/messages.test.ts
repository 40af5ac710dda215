import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import { TypedDataEncoder, Wallet } from "ethers";
import { hashTypedData, recoverTypedDataAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type RewardsDomain, DOMAIN_NAME, toTypedDataDomain } from "./eip712/domain.ts";
import { InvalidMessageError, hashTypedMessage, hashTypedMessageBytes } from "./eip712/hash.ts";
import { type Messages, type PrimaryType, TYPE_HASHES, eip712Types, encodeType } from "./eip712/messages.ts";
import { privateKeyToAddress, signTypedMessage } from "./sign.ts";
import { InvalidSignatureError, nativeSecp256k1, parseSignature, recoverDigestSigner } from "./signature.ts";
import { verifyReceipts, verifyTypedMessages } from "./verify.ts";
import { keccak256, toHex } from "viem";

const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b));
const address = hex(20);
const bytes32 = hex(32);
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const u256 = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
// any well-formed text without NUL (emoji, accents and CJK included), as a policy note would be
const text = fc.string({ unit: "grapheme", maxLength: 40 }).filter((t) => !t.includes("\u0000"));
const domainArb: fc.Arbitrary<RewardsDomain> = fc.record({
  chainId: fc.integer({ min: 1, max: 2 ** 40 }),
  verifyingContract: address,
});
const privateKeyArb = hex(32).filter((k) => BigInt(k) > 0n && BigInt(k) < SECP_N);
const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const messageArbs: { [T in PrimaryType]: fc.Arbitrary<Messages[T]> } = {
  SessionGrant: fc.record({
    sessionId: bytes32,
    viewer: address,
    streamId: bytes32,
    maxBitsPerSecond: u64,
    notBefore: u64,
    notAfter: u64,
  }),
  Receipt: fc.record({
    sessionId: bytes32,
    supporter: address,
    viewer: address,
    seq: u64,
    cumulativeBytes: u256,
    timestamp: u64,
  }),
  Heartbeat: fc.record({ node: address, timestamp: u64 }),
  SupporterRegistration: fc.record({ node: address, payout: address, effectiveEpoch: u64, nonce: u64 }),
  EpochRoot: fc.record({
    epoch: u64,
    attempt: u64,
    root: bytes32,
    cumulativeTotal: u256,
    receiptsRoot: bytes32,
    datasetHash: bytes32,
    rateCardHash: bytes32,
  }),
  ClaimAuthorization: fc.record({
    account: address,
    recipient: address,
    relayer: address,
    maxRelayerFee: u256,
    nonce: u256,
    deadline: u256,
  }),
  RateCardApproval: fc.record({ version: u64, effectiveEpoch: u64, rateCardHash: bytes32 }),
  FounderStatus: fc.record({ node: address, founder: fc.boolean(), effectiveEpoch: u64, issuedAt: u64, reason: text }),
  FlagDecision: fc.record({
    epoch: u64,
    node: address,
    sessionId: bytes32,
    reasonCode: text,
    include: fc.boolean(),
    note: text,
    issuedAt: u64,
  }),
  EpochBudget: fc.record({ fromEpoch: u64, budgetMicroUsd: u256, issuedAt: u64 }),
};
const primaryTypes = Object.keys(eip712Types) as PrimaryType[];

describe("eip712: digests", () => {
  it("default: the contract's type strings are exactly the Solidity ones", () => {
    expect(encodeType("EpochRoot")).to.equal(
      "EpochRoot(uint64 epoch,uint64 attempt,bytes32 root,uint256 cumulativeTotal,bytes32 receiptsRoot,bytes32 datasetHash,bytes32 rateCardHash)",
    );
    expect(encodeType("ClaimAuthorization")).to.equal(
      "ClaimAuthorization(address account,address recipient,address relayer,uint256 maxRelayerFee,uint256 nonce,uint256 deadline)",
    );
    expect(TYPE_HASHES.EpochRoot).to.equal(keccak256(toHex(encodeType("EpochRoot"))));
    expect(
      toTypedDataDomain({ chainId: 1, verifyingContract: "0x0000000000000000000000000000000000000001" }).name,
    ).to.equal(DOMAIN_NAME);
  });

  for (const primaryType of primaryTypes)
    it(`behavior: ${primaryType} digests equal viem hashTypedData and ethers TypedDataEncoder.hash (random messages)`, () => {
      fc.assert(
        fc.property(domainArb, messageArbs[primaryType] as fc.Arbitrary<Messages[PrimaryType]>, (domain, message) => {
          const ours = hashTypedMessage(domain, primaryType, message);
          const full = toTypedDataDomain(domain);
          const types = eip712Types[primaryType] as unknown as Record<string, { name: string; type: string }[]>;
          expect(ours).to.equal(hashTypedData({ domain: full, types, primaryType, message }));
          expect(ours).to.equal(TypedDataEncoder.hash(full, types, message));
        }),
        { numRuns: 150 },
      );
    });

  it("behavior: digests bind the domain — another chainId or contract gives another digest", () => {
    const m = { node: "0x0000000000000000000000000000000000000001", timestamp: 1n } as const;
    const d = { chainId: 1, verifyingContract: "0x0000000000000000000000000000000000000002" } as const;
    const a = hashTypedMessage(d, "Heartbeat", m);
    expect(hashTypedMessage({ ...d, chainId: 2 }, "Heartbeat", m)).to.not.equal(a);
    expect(
      hashTypedMessage({ ...d, verifyingContract: "0x0000000000000000000000000000000000000003" }, "Heartbeat", m),
    ).to.not.equal(a);
  });

  it("error: a policy message's text with NUL, a lone surrogate or over 1 000 characters is refused", () => {
    const d = { chainId: 1, verifyingContract: "0x0000000000000000000000000000000000000002" } as const;
    const status = {
      node: "0x0000000000000000000000000000000000000001",
      founder: true,
      effectiveEpoch: 1n,
      issuedAt: 1n,
    } as const;
    for (const reason of ["a\u0000b", "\ud800", "x".repeat(1_001)])
      expect(() => hashTypedMessage(d, "FounderStatus", { ...status, reason })).to.throw(InvalidMessageError, /reason/);
    expect(() =>
      hashTypedMessage(d, "FounderStatus", { ...status, founder: 1 as unknown as boolean, reason: "ok" }),
    ).to.throw(InvalidMessageError, /founder/);
  });

  it("error: out-of-range and malformed fields throw InvalidMessageError", () => {
    const d = { chainId: 1, verifyingContract: "0x0000000000000000000000000000000000000002" } as const;
    expect(() =>
      hashTypedMessage(d, "Heartbeat", { node: "0x0000000000000000000000000000000000000001", timestamp: 2n ** 64n }),
    ).to.throw(InvalidMessageError, /timestamp/);
    expect(() => hashTypedMessage(d, "Heartbeat", { node: "0x01", timestamp: 1n })).to.throw(
      InvalidMessageError,
      /node/,
    );
    expect(() =>
      hashTypedMessage(d, "Heartbeat", {
        node: "0x0000000000000000000000000000000000000001",
        timestamp: 1 as unknown as bigint,
      }),
    ).to.throw(InvalidMessageError);
    const node = `0x${"1".repeat(39)}g` as const;
    expect(() => hashTypedMessage(d, "Heartbeat", { node, timestamp: 1n })).to.throw(InvalidMessageError, /node/);
    const bad = `0x${"a".repeat(62)}zz` as const;
    const good = `0x${"a".repeat(64)}` as const;
    const epochRoot = {
      epoch: 1n,
      attempt: 1n,
      root: good,
      cumulativeTotal: 1n,
      receiptsRoot: bad,
      datasetHash: good,
      rateCardHash: good,
    };
    expect(() => hashTypedMessage(d, "EpochRoot", epochRoot)).to.throw(InvalidMessageError, /receiptsRoot/);
  });
});

describe("signatures: sign, parse, recover", () => {
  it("behavior: our signatures are byte-identical to viem's signTypedData, native and JS; ethers recovers them", async () => {
    await fc.assert(
      fc.asyncProperty(domainArb, messageArbs.Receipt, privateKeyArb, async (domain, message, privateKey) => {
        const account = privateKeyToAccount(privateKey);
        const full = toTypedDataDomain(domain);
        const viemSig = await account.signTypedData({
          domain: full,
          types: eip712Types.Receipt,
          primaryType: "Receipt",
          message,
        });
        expect(signTypedMessage({ domain, primaryType: "Receipt", message, privateKey, backend: "native" })).to.equal(
          viemSig,
        );
        expect(signTypedMessage({ domain, primaryType: "Receipt", message, privateKey, backend: "js" })).to.equal(
          viemSig,
        );
        const digest = hashTypedMessageBytes(domain, "Receipt", message);
        const want = account.address.toLowerCase();
        expect(recoverDigestSigner(digest, viemSig, "native")).to.equal(want);
        expect(recoverDigestSigner(digest, viemSig, "js")).to.equal(want);
        expect(privateKeyToAddress(privateKey, "native")).to.equal(want);
        expect(privateKeyToAddress(privateKey, "js")).to.equal(want);
        const ethersSigner = TypedDataEncoder.hash(full, eip712Types.Receipt as never, message);
        expect(new Wallet(privateKey).signingKey.sign(ethersSigner).serialized).to.equal(viemSig);
      }),
      { numRuns: 40 },
    );
  });

  it("behavior: native and JS recovery agree on random (also invalid) signatures", () => {
    expect(nativeSecp256k1, "the native binding loads on this machine").to.not.equal(undefined);
    fc.assert(
      fc.property(hex(32), hex(32), hex(32), fc.constantFrom(27, 28, 0, 1, 29), (digestHex, r, s, v) => {
        const sig = `${r}${s.slice(2)}${v.toString(16).padStart(2, "0")}`;
        const digest = Buffer.from(digestHex.slice(2), "hex");
        const run = (backend: "native" | "js") => {
          try {
            return recoverDigestSigner(digest, sig, backend);
          } catch (err) {
            expect(err).to.be.instanceOf(InvalidSignatureError);
            return (err as InvalidSignatureError).code;
          }
        };
        expect(run("native")).to.equal(run("js"));
      }),
      { numRuns: 300 },
    );
  });

  it("error: malleable (high-s), bad v, zero r and wrong length are rejected", async () => {
    const privateKey = `0x${"11".repeat(32)}` as const;
    const domain = { chainId: 1, verifyingContract: "0x0000000000000000000000000000000000000002" } as const;
    const message = { node: privateKeyToAddress(privateKey), timestamp: 1n };
    const sig = signTypedMessage({ domain, primaryType: "Heartbeat", message, privateKey });
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const v = parseInt(sig.slice(130), 16);
    const twin = `${sig.slice(0, 66)}${(SECP_N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}`;
    // viem still accepts the malleable twin (and recovers the same signer): we do not
    const viemSigner = await recoverTypedDataAddress({
      domain: toTypedDataDomain(domain),
      types: eip712Types.Heartbeat,
      primaryType: "Heartbeat",
      message,
      signature: twin as `0x${string}`,
    });
    expect(viemSigner.toLowerCase()).to.equal(message.node);
    expect(() => parseSignature(twin)).to.throw(InvalidSignatureError, /HIGH_S/);
    expect(() => parseSignature(`${sig.slice(0, 130)}1d`)).to.throw(InvalidSignatureError, /BAD_V/);
    expect(() => parseSignature(`0x${"00".repeat(32)}${sig.slice(66)}`)).to.throw(InvalidSignatureError, /BAD_R_OR_S/);
    expect(() => parseSignature(sig.slice(0, 128))).to.throw(InvalidSignatureError, /MALFORMED/);
    const [ok, bad] = verifyTypedMessages({
      domain,
      primaryType: "Heartbeat",
      items: [
        { message, signature: sig },
        { message, signature: twin as `0x${string}` },
      ],
    });
    expect(ok).to.include({ valid: true, signer: message.node });
    expect(bad).to.include({ valid: false, error: "HIGH_S" });
  });

  it("behavior: verifyReceipts gives one result per item: valid, wrong signer, malformed", () => {
    const viewerKey = `0x${"22".repeat(32)}` as const;
    const domain = { chainId: 1, verifyingContract: "0x0000000000000000000000000000000000000002" } as const;
    const message = {
      sessionId: `0x${"ab".repeat(32)}`,
      supporter: "0x0000000000000000000000000000000000000009",
      viewer: privateKeyToAddress(viewerKey),
      seq: 1n,
      cumulativeBytes: 10n,
      timestamp: 5n,
    } as const;
    const signature = signTypedMessage({ domain, primaryType: "Receipt", message, privateKey: viewerKey });
    const other = signTypedMessage({ domain, primaryType: "Receipt", message, privateKey: `0x${"33".repeat(32)}` });
    const results = verifyReceipts(domain, [
      { message, signature },
      { message, signature: other },
      { message: { ...message, seq: -1n }, signature },
    ]);
    expect(results.map((r) => r.valid)).to.deep.equal([true, false, false]);
    expect(results[1]!.error).to.equal("WRONG_SIGNER");
    expect(results[2]).to.deep.equal({ valid: false, digest: null, signer: null, error: "MALFORMED_MESSAGE" });
    expect(() => verifyTypedMessages({ domain, primaryType: "SessionGrant", items: [] })).to.throw(InvalidMessageError);
  });
});
