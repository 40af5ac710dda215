/**
 * The relayer against Hardhat's in-process chain with the compiled contracts: a supporter with a
 * finalized root signs a ClaimAuthorization with core's signer, the relayer claims it for them over
 * real HTTP; every attack is a 4xx with a stable code, and the relayer's nonce and balance stay put.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import { createPublicClient, createWalletClient, custom, http, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { ClaimAuthorization } from "../core/eip712/epoch-root.ts";
import { ANY_RELAYER, authorizationToJson } from "../core/claim-authorization.ts";
import { signTypedMessage } from "../core/sign.ts";
import { deployFixture } from "../test/contracts/fixture.ts";
import { proposeAndFinalize } from "../indexer/testing.ts";
import { createRelayerApp } from "./app.ts";
import { AccountRateLimit } from "./rate-limit.ts";

const connection = await network.create();
const fx = await deployFixture(connection);
const transport = custom(connection.provider);
const relayerKey = generatePrivateKey();
const relayer = createWalletClient({ account: privateKeyToAccount(relayerKey), transport });
const supporters = [0, 1, 2, 3].map(() => generatePrivateKey());
const addressOf = (k: Hex) => privateKeyToAccount(k).address.toLowerCase() as Address;
const ENTITLEMENT = 5_000_000n; // $5 in epoch 1 (twice that in epoch 2)
let entitlement = ENTITLEMENT;
const CAP = 50_000n; // $0.05
const setBalance = (who: Address, wei: bigint) =>
  connection.provider.request({ method: "hardhat_setBalance", params: [who, `0x${wei.toString(16)}`] });
let { tree } = await proposeAndFinalize(
  fx,
  connection.networkHelpers,
  1n,
  supporters.map((k) => [addressOf(k), ENTITLEMENT]),
);
const publicClient = fx.publicClient as unknown as PublicClient;
const app = createRelayerApp({
  publicClient,
  wallet: relayer,
  distributor: fx.distributor.address,
  chainId: fx.chainId,
  maxFeeMicroUsd: CAP,
  rateLimit: new AccountRateLimit(60_000),
});
let url = "";

const token = (who: Address) => fx.usd.read.balanceOf([who]);
const relayerState = async () => ({
  nonce: await publicClient.getTransactionCount({ address: relayer.account.address }),
  wei: await publicClient.getBalance({ address: relayer.account.address }),
});

async function authorization(index: number, over: Partial<ClaimAuthorization> = {}, signer?: Hex) {
  const key = supporters[index]!;
  const account = addressOf(key);
  const block = await publicClient.getBlock();
  const message: ClaimAuthorization = {
    account,
    recipient: account,
    relayer: ANY_RELAYER,
    maxRelayerFee: 20_000n,
    nonce: await fx.distributor.read.nonces([account]),
    deadline: block.timestamp + 3600n,
    ...over,
  };
  const signature = signTypedMessage({
    domain: { chainId: fx.chainId, verifyingContract: fx.distributor.address.toLowerCase() as Address },
    primaryType: "ClaimAuthorization",
    message,
    privateKey: signer ?? key,
  });
  let leaf = 0;
  for (const [i, v] of tree.entries()) if ((v[0] as string).toLowerCase() === account) leaf = i;
  const distributor = fx.distributor.address.toLowerCase() as Address;
  return {
    ...authorizationToJson(message, fx.chainId, distributor, signature),
    cumulativeMicroUsd: entitlement.toString(),
    proof: tree.getProof(leaf),
  } as Record<string, unknown>;
}

const post = async (body: unknown, raw?: string) => {
  const res = await fetch(`${url}/v1/claims`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw ?? JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
};

/** A refusal: its status and code, one sentence, and nothing sent by the relayer. */
async function refused(
  send: () => Promise<{ status: number; body: Record<string, string> }>,
  status: number,
  code: string,
) {
  const before = await relayerState();
  const r = await send();
  expect(r.status, JSON.stringify(r.body)).to.equal(status);
  expect(r.body.code).to.equal(code);
  expect(r.body.message).to.be.a("string").and.match(/\.$/);
  expect(await relayerState()).to.deep.equal(before);
}

describe("ledger relayer: POST /v1/claims", () => {
  before(async () => {
    await setBalance(relayer.account.address, 10n ** 18n);
    url = await app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await app.close();
    await connection.close();
  });

  it("claims a supporter's entitlement: tokens to the recipient, the fee to the relayer, the supporter pays no gas", async () => {
    const body = await authorization(0);
    const account = body.account as Address;
    const [accountBefore, relayerBefore, gasBefore] = [
      await token(account),
      await token(relayer.account.address),
      await publicClient.getBalance({ address: account }),
    ];
    const r = await post(body);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(r.body.feeMicroUsd).to.equal("20000");
    expect(await token(account)).to.equal(accountBefore + ENTITLEMENT - 20_000n);
    expect(await token(relayer.account.address)).to.equal(relayerBefore + 20_000n);
    expect(await publicClient.getBalance({ address: account })).to.equal(gasBefore);
    expect(await fx.distributor.read.claimed([account])).to.equal(ENTITLEMENT);
  });

  it("GET /healthz names the relayer and its balance", async () => {
    const res = await fetch(`${url}/healthz`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).to.equal(200);
    expect(body.relayer).to.equal(relayer.account.address);
    expect(BigInt(body.balanceWei as string) > 0n).to.equal(true);
    expect(body.maxFeeMicroUsd).to.equal(CAP.toString());
  });

  it("answers the dashboard's CORS preflight and its POST from another origin", async () => {
    const origin = "http://127.0.0.1:8080";
    const pre = await fetch(`${url}/v1/claims`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(pre.status).to.equal(204);
    expect(pre.headers.get("access-control-allow-origin")).to.equal("*");
    expect(pre.headers.get("access-control-allow-methods")).to.include("POST");
    const res = await fetch(`${url}/v1/claims`, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).to.equal(400);
    expect(res.headers.get("access-control-allow-origin")).to.equal("*");
  });

  it("refuses a wrong signature (another key's) with INVALID_SIGNATURE", async () => {
    const body = await authorization(1, {}, generatePrivateKey());
    await refused(() => post(body), 400, "INVALID_SIGNATURE");
  });

  it("refuses a replayed authorization (its nonce used) with NONCE_USED", async () => {
    const body = await authorization(1, { nonce: 0n });
    const first = await post(body);
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    await refused(() => post(body), 409, "NONCE_USED");
  });

  it("refuses a fee above the relayer's cap with FEE_ABOVE_CAP, and above the authorization's max with FEE_ABOVE_MAX", async () => {
    const body = await authorization(2, { maxRelayerFee: 10n ** 6n });
    await refused(() => post({ ...body, feeMicroUsd: (CAP + 1n).toString() }), 400, "FEE_ABOVE_CAP");
    const low = await authorization(2, { maxRelayerFee: 100n });
    await refused(() => post({ ...low, feeMicroUsd: "101" }), 400, "FEE_ABOVE_MAX");
  });

  it("refuses an expired deadline with AUTHORIZATION_EXPIRED", async () => {
    const block = await publicClient.getBlock();
    const body = await authorization(2, { deadline: block.timestamp - 1n });
    await refused(() => post(body), 400, "AUTHORIZATION_EXPIRED");
  });

  it("refuses an authorization bound to another relayer with WRONG_RELAYER", async () => {
    const body = await authorization(2, { relayer: fx.other.account.address.toLowerCase() as Address });
    await refused(() => post(body), 403, "WRONG_RELAYER");
  });

  it("refuses a bad proof with INVALID_PROOF", async () => {
    const body = await authorization(2);
    await refused(() => post({ ...body, cumulativeMicroUsd: (ENTITLEMENT * 2n).toString() }), 400, "INVALID_PROOF");
  });

  it("refuses unknown fields, amounts as numbers (above 2^53), NUL bytes, bad hex and non-JSON with 400", async () => {
    const body = await authorization(2);
    await refused(() => post({ ...body, extra: 1 }), 400, "VALIDATION_FAILED");
    await refused(() => post({ ...body, __proto__x: 1 }), 400, "VALIDATION_FAILED");
    await refused(
      () => post(null, JSON.stringify(body).replace('"20000"', "9007199254740993")),
      400,
      "VALIDATION_FAILED",
    );
    const asNumber = JSON.stringify({ ...body, cumulativeMicroUsd: null }).replace(":null", ":5000000");
    await refused(() => post(null, asNumber), 400, "VALIDATION_FAILED");
    await refused(() => post({ ...body, recipient: `${String(body.recipient)}\u0000` }), 400, "VALIDATION_FAILED");
    await refused(() => post({ ...body, signature: "0x1234" }), 400, "VALIDATION_FAILED");
    await refused(() => post({ ...body, chainId: 1 }), 400, "WRONG_DEPLOYMENT");
    await refused(() => post(null, "{not json"), 400, "MALFORMED_JSON");
    await refused(
      () => post(null, JSON.stringify({ ...body, proof: Array(65).fill(body.signature) })),
      400,
      "VALIDATION_FAILED",
    );
  });

  it("rate-limits an account: a second claim within the interval is 429 RATE_LIMITED", async () => {
    const body = await authorization(2);
    expect((await post(body)).status).to.equal(200);
    // a newer root gives account 2 more to claim: its next claim would succeed, but comes too soon
    entitlement = ENTITLEMENT * 2n;
    ({ tree } = await proposeAndFinalize(
      fx,
      connection.networkHelpers,
      2n,
      supporters.map((k) => [addressOf(k), entitlement]),
    ));
    const again = await authorization(2);
    await refused(() => post(again), 429, "RATE_LIMITED");
  });

  it("answers 503 RELAYER_UNFUNDED when its key cannot pay the gas, sending nothing", async () => {
    const body = await authorization(3);
    await setBalance(relayer.account.address, 1n);
    await refused(() => post(body), 503, "RELAYER_UNFUNDED");
    await setBalance(relayer.account.address, 10n ** 18n);
    expect((await post(body)).status).to.equal(200);
  });

  it("answers 503 CHAIN_UNAVAILABLE when its RPC is away", async () => {
    const away = createRelayerApp({
      publicClient: createPublicClient({ transport: http("http://127.0.0.1:9", { retryCount: 0 }) }),
      wallet: relayer,
      distributor: fx.distributor.address,
      chainId: fx.chainId,
      maxFeeMicroUsd: CAP,
      rateLimit: new AccountRateLimit(60_000),
    });
    const body = await authorization(3);
    const r = await away.inject({ method: "POST", url: "/v1/claims", payload: body });
    expect(r.statusCode).to.equal(503);
    expect(r.json()).to.include({ code: "CHAIN_UNAVAILABLE" });
    expect((await away.inject({ method: "GET", url: "/healthz" })).statusCode).to.equal(503);
  });

  it("names any other revert (the distributor paused) as 422 CLAIM_REVERTED", async () => {
    await fx.wait(await fx.distributor.write.pause({ account: fx.pauser.account }));
    const body = await authorization(3);
    await refused(() => post(body), 422, "CLAIM_REVERTED");
  });
});
