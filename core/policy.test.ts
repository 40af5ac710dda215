import { describe, it } from "node:test";
import { expect } from "chai";
import { parseDataset } from "./dataset/parse.ts";
import { serializeDatasetToString } from "./dataset/serialize.ts";
import type { EpochInputs } from "./dataset/types.ts";
import { distinctSigners, PolicyInputError, POLICY_ROLE } from "./policy.ts";
import { recomputeEpoch } from "./recompute-epoch.ts";
import { rateCardHash } from "./ratecard.ts";
import { signTypedMessage, privateKeyToAddress } from "./sign.ts";
import { domain, epochWorld, keys, policySigned } from "./fixtures/epoch-world.ts";
import { keccak256, toHex } from "viem";

const ATTACKER = "0x00000000000000000000000000000000000000000000000000000000000000aa" as const;
const statementOf = (inputs: EpochInputs, account: string) =>
  recomputeEpoch({ inputs }).statements.find((s) => s.account === account)!;

describe("policy: every discretionary input is signed", () => {
  it("default: POLICY_ROLE is keccak256('POLICY_ROLE'); the world's inputs recover to its policy key", () => {
    expect(POLICY_ROLE).to.equal(keccak256(toHex("POLICY_ROLE")));
    const r = recomputeEpoch({ inputs: epochWorld() });
    expect(r.policySignatures.map((p) => p.section)).to.deep.equal(["budgetApproval", "founder"]);
    expect(distinctSigners(r.policySignatures)).to.deep.equal([keys.policy.address]);
  });

  it("error: an unsigned budget is refused, naming the input", () => {
    expect(() => recomputeEpoch({ inputs: { ...epochWorld(), budgetApproval: null } })).to.throw(
      PolicyInputError,
      /budgetApproval epoch 7: the epoch budget is not signed/,
    );
  });

  it("error: a budget edited after signing is refused (the signed figure differs)", () => {
    expect(() => recomputeEpoch({ inputs: { ...epochWorld(), budgetMicroUsd: 50_000_000n } })).to.throw(
      PolicyInputError,
      /signed budget is 10000000 µUSD but the epoch used 50000000 µUSD/,
    );
  });

  it("attack: a budget signed by another key recovers to that key, which the role check then refuses", () => {
    const inputs = epochWorld();
    const message = { ...inputs.budgetApproval!.message };
    const forged = {
      message,
      signature: signTypedMessage({ domain, primaryType: "EpochBudget", message, privateKey: ATTACKER }),
    };
    const r = recomputeEpoch({ inputs: { ...inputs, budgetApproval: forged } });
    expect(distinctSigners(r.policySignatures)).to.include(privateKeyToAddress(ATTACKER));
    expect(distinctSigners(r.policySignatures)).to.include(keys.policy.address);
  });

  it("attack: a signature of one message pasted onto another (larger budget) recovers to nobody in the role", () => {
    const inputs = epochWorld(50_000_000n);
    const real = epochWorld().budgetApproval!;
    const pasted = { message: inputs.budgetApproval!.message, signature: real.signature };
    const r = recomputeEpoch({ inputs: { ...inputs, budgetApproval: pasted } });
    const signer = r.policySignatures.find((p) => p.section === "budgetApproval")!.signer;
    expect(signer).to.not.equal(keys.policy.address);
  });

  it("error: a malformed policy signature is refused, naming the founder status", () => {
    const inputs = epochWorld();
    const founders = [{ ...inputs.founders[0]!, signature: `0x${"00".repeat(65)}` as const }];
    expect(() => recomputeEpoch({ inputs: { ...inputs, founders } })).to.throw(
      PolicyInputError,
      new RegExp(`founder node ${keys.S1.address}: its signature is invalid`),
    );
  });

  it("error: a rate card other than core's default needs an approval of its hash", () => {
    const inputs = epochWorld();
    const card = { ...inputs.rateCard, version: 2n, ratePerGbMicroUsd: 60_000n };
    expect(() => recomputeEpoch({ inputs: { ...inputs, rateCard: card } })).to.throw(
      PolicyInputError,
      /rate card 2: the rate card is not signed/,
    );
    const approval = policySigned(domain, "RateCardApproval", {
      version: 2n,
      effectiveEpoch: card.effectiveFromEpoch,
      rateCardHash: rateCardHash(card),
    });
    const r = recomputeEpoch({ inputs: { ...inputs, rateCard: card, rateCardApproval: approval } });
    expect(r.statements[0]!.ratePerGbMicroUsd).to.equal(60_000n);
    const other = { ...card, ratePerGbMicroUsd: 70_000n };
    expect(() => recomputeEpoch({ inputs: { ...inputs, rateCard: other, rateCardApproval: approval } })).to.throw(
      PolicyInputError,
      /the approval is of card 2/,
    );
  });

  it("behavior: the founder multiplier follows the node — another node paying to the founder's address earns 1×", () => {
    const inputs = epochWorld();
    // S2 now pays to P1 too (the founder S1's payout address)
    const registrations = inputs.registrations.map((r) => {
      if (r.message.node !== keys.S2.address) return r;
      const message = { ...r.message, payout: keys.P1.address };
      return {
        message,
        signature: signTypedMessage({ domain, primaryType: "SupporterRegistration", message, privateKey: keys.S2.key }),
      };
    });
    const p1 = statementOf({ ...inputs, registrations }, keys.P1.address);
    // S1's 3.2 GB earn 1.1×, S2's 0.3 GB 1×; both then get the account's uptime bonus
    expect(p1.countedBytes).to.equal(3_500_000_000n);
    expect(p1.founderCountedBytes).to.equal(3_200_000_000n);
    // exact: (3.2e9 × 11 000 + 0.3e9 × 10 000) × 50 000 × (10 000 + bonus) / 10^17
    const bonus = p1.uptimeBonusBps;
    expect(p1.earnedMicroUsd).to.equal(
      ((3_200_000_000n * 11_000n + 300_000_000n * 10_000n) * 50_000n * (10_000n + bonus)) / 10n ** 17n,
    );
    // were the multiplier to follow the payout address, all 3.5 GB would earn 1.1×
    expect(p1.earnedMicroUsd < (3_500_000_000n * 11_000n * 50_000n * (10_000n + bonus)) / 10n ** 17n).to.equal(true);
  });

  it("behavior: a revoked founder status (the latest in force says founder: false) earns 1×", () => {
    const inputs = epochWorld();
    const revoked = policySigned(domain, "FounderStatus", {
      ...inputs.founders[0]!.message,
      founder: false,
      reason: "left",
    });
    const p1 = statementOf({ ...inputs, founders: [revoked] }, keys.P1.address);
    expect([p1.founder, p1.multiplierBps, p1.payoutMicroUsd]).to.deep.equal([false, 10_000n, 176_000n]);
  });

  it("behavior: a signed flag decision counts a flagged receipt; the dataset carries it and recomputes", () => {
    const plain = statementOf(epochWorld(), keys.P2.address);
    const decision = {
      epoch: 7n,
      node: keys.S2.address,
      sessionId: `0x${"00".repeat(32)}` as const,
      reasonCode: "NON_MONOTONIC",
      include: false,
      note: "checked by hand: the counter reset is a bug in the node, not fraud",
      issuedAt: 1_700_003_700n,
    };
    const inputs = epochWorld(10_000_000n, { flagDecisions: [decision] });
    const r = recomputeEpoch({ inputs });
    const v = r.verdicts.find((x) => x.reasons.includes("ADMIN_REJECTED"));
    expect(v, "the flagged receipt is now rejected by the admin").to.not.equal(undefined);
    expect(r.policySignatures.map((p) => p.section)).to.include("flagDecision");
    // the dataset round-trips with the decision and recomputes to the same hash
    const parsed = parseDataset(serializeDatasetToString(r.dataset).split("\n"));
    expect(parsed.inputs.flagDecisions).to.have.length(1);
    expect(recomputeEpoch({ inputs: parsed.inputs }).datasetHash).to.equal(r.datasetHash);
    expect(statementOf(inputs, keys.P2.address).payoutMicroUsd).to.equal(plain.payoutMicroUsd);
  });

  it("error: a flag decision for another epoch is refused", () => {
    const decision = {
      epoch: 6n,
      node: keys.S2.address,
      sessionId: `0x${"00".repeat(32)}` as const,
      reasonCode: "NON_MONOTONIC",
      include: true,
      note: "",
      issuedAt: 1n,
    };
    expect(() => recomputeEpoch({ inputs: epochWorld(10_000_000n, { flagDecisions: [decision] }) })).to.throw(
      PolicyInputError,
      /is for epoch 6, not 7/,
    );
  });
});
