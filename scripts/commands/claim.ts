import { readFileSync } from "node:fs";
import { erc20Abi, type Address, type Hex, type PublicClient } from "viem";
import type { ClaimAuthorization } from "../../core/eip712/epoch-root.ts";
import {
  ANY_RELAYER,
  authorizationFromJson,
  authorizationToJson,
  type AuthorizationJson,
  type ParsedAuthorization,
} from "../../core/claim-authorization.ts";
import { signTypedMessage } from "../../core/sign.ts";
import { verifyPayoutProof } from "../../core/tree.ts";
import { formatUsd } from "../../core/units.ts";
import { distributorAbi } from "../../chain/abi.ts";
import { revertOf } from "../../chain/client.ts";
import { CheckFailedError, UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import {
  DEFAULT_KEY_ENV,
  chainError,
  checkDistributor,
  connectRpc,
  graphql,
  keyFromEnv,
  parseAddress,
  parseHttpUrl,
  parseIntInRange,
  parseUsdAmount,
  requireGas,
  walletFor,
  type Signer,
} from "../lib/chain.ts";

const USAGE = [
  "ledger claim ACCOUNT --api URL --rpc URL [--distributor ADDRESS] [--key-env VAR]",
  `        claim ACCOUNT's entitlement, sent from the key in $${DEFAULT_KEY_ENV} (or VAR); anyone may send it`,
  "   or: ledger claim ACCOUNT --sign-only --api URL --rpc URL [--recipient ADDRESS] [--max-fee USD] [--deadline-seconds N] [--key-env VAR]",
  "        print (stdout, one JSON line) ACCOUNT's ClaimAuthorization for a relayer, signed with ACCOUNT's key",
  "   or: ledger claim ACCOUNT --with-sig JSON|@FILE --api URL --rpc URL [--fee USD] [--key-env VAR]",
  "        as the relayer: submit claimWithSig with that authorization, taking --fee (default: its max fee)",
].join("\n");

type Proof = {
  account: Address;
  epoch: string;
  root: Hex;
  cumulativeMicroUsd: string;
  claimedMicroUsd: string;
  claimableMicroUsd: string;
  proof: Hex[];
};

const QUERY = `query Claim($address: Bytes!) {
  supporter(address: $address) {
    proof { account epoch root cumulativeMicroUsd claimedMicroUsd claimableMicroUsd proof }
  }
  indexer { chainId contract }
}`;

/**
 * A supporter's claim: the proof from the API's GraphQL (`supporter(address) { proof }`), checked
 * against `finalizedRoot()` on-chain and against the root locally, simulated, then sent as
 * `claimWithRoot` (pinned to the root the proof is for). The gasless path signs the account's
 * EIP-712 `ClaimAuthorization` with core's signer (`--sign-only`) and lets a relayer submit
 * `claimWithSig` for a fee (`--with-sig`).
 */
export const claimCommand: Command = {
  name: "claim",
  summary: "claim a supporter's payout with the API's proof (or sign / relay a gasless claimWithSig)",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        api: { type: "string" },
        rpc: { type: "string" },
        distributor: { type: "string" },
        "key-env": { type: "string" },
        "sign-only": { type: "boolean" },
        recipient: { type: "string" },
        "max-fee": { type: "string" },
        "deadline-seconds": { type: "string" },
        "with-sig": { type: "string" },
        fee: { type: "string" },
      },
      USAGE,
    );
    if (positionals.length !== 1) throw new UsageError(`expected one ACCOUNT address\nusage: ${USAGE}`);
    const address = parseAddress(positionals[0], "ACCOUNT", USAGE);
    const api = parseHttpUrl(values.api, "--api", USAGE);
    const rpc = parseHttpUrl(values.rpc, "--rpc", USAGE);
    const given = values.distributor ? parseAddress(values.distributor, "--distributor", USAGE) : undefined;
    const signOnly = values["sign-only"] === true;
    const withSig = values["with-sig"];
    if (signOnly && withSig !== undefined) throw new UsageError("give either --sign-only or --with-sig, not both");
    if (!signOnly && (values.recipient || values["max-fee"] || values["deadline-seconds"]))
      throw new UsageError("--recipient, --max-fee and --deadline-seconds go with --sign-only");
    if (withSig === undefined && values.fee !== undefined) throw new UsageError("--fee goes with --with-sig");
    const recipient = values.recipient ? parseAddress(values.recipient, "--recipient", USAGE) : undefined;
    const maxFee = values["max-fee"] === undefined ? 0n : parseUsdAmount(values["max-fee"], "--max-fee", 0n);
    const deadlineSeconds = parseIntInRange(values["deadline-seconds"], "--deadline-seconds", 3600, 60, 30 * 86_400);
    const auth = withSig === undefined ? undefined : parseAuthorization(withSig);
    const fee = values.fee === undefined ? undefined : parseUsdAmount(values.fee, "--fee", 0n);
    const signer = keyFromEnv(values["key-env"]);

    // The API: the proof and the deployment it indexes.
    const data = await graphql<ClaimData>(api, QUERY, { address });
    let p = proofOf(data, address);
    const apiChainId = data.indexer ? Number(data.indexer.chainId) : undefined;
    const distributor = given ?? (data.indexer?.contract.toLowerCase() as Address | undefined);
    if (!distributor) throw new UsageError("the API has not indexed a distributor yet: give --distributor ADDRESS");
    if (given && data.indexer && given !== data.indexer.contract.toLowerCase())
      throw new UsageError(`wrong distributor: the API indexes ${data.indexer.contract}, not ${given}`);

    // The chain: same chain as the API, a distributor, and the proof is for its finalized root.
    const { client, chainId } = await connectRpc(rpc);
    if (apiChainId !== undefined && apiChainId !== chainId)
      throw new UsageError(
        `wrong chain: the RPC at ${rpc} is chain ${chainId}, the API's deployment is on chain ${apiChainId}`,
      );
    try {
      const token = await checkDistributor(client, distributor, chainId);
      const abi = distributorAbi();
      // The API indexes the chain a moment behind: when a newer root was just finalized, wait for it (≤ 10 s).
      for (let attempt = 1; ; attempt++) {
        const finalizedRoot = await client.readContract({ address: distributor, abi, functionName: "finalizedRoot" });
        if (finalizedRoot.toLowerCase() === p.root.toLowerCase()) break;
        if (attempt === 5)
          throw new CheckFailedError(
            `the API's proof is for root ${p.root} (epoch ${p.epoch}) but the chain's finalized root is ${finalizedRoot}: retry when the API has caught up`,
          );
        await new Promise((r) => setTimeout(r, 2_500));
        p = proofOf(await graphql<ClaimData>(api, QUERY, { address }), address);
      }
      const at: Address = distributor; // (narrowed: a const the closure below keeps)
      // A root finalized between the check above and the send makes the proof stale (InvalidProof,
      // RootMismatch): fetch the new root's proof and go again, at most twice.
      for (let round = 1; ; round++) {
        try {
          await claimWith(p);
          break;
        } catch (err) {
          const revert = revertOf(err)?.name;
          if (round === 3 || (revert !== "InvalidProof" && revert !== "RootMismatch")) throw err;
          const now = await client.readContract({ address: distributor, abi, functionName: "finalizedRoot" });
          if (now.toLowerCase() === p.root.toLowerCase()) throw err;
          await new Promise((r) => setTimeout(r, 2_500));
          p = proofOf(await graphql<ClaimData>(api, QUERY, { address }), address);
        }
      }
      async function claimWith(p: Proof) {
        const cumulative = BigInt(p.cumulativeMicroUsd);
        if (!verifyPayoutProof({ root: p.root, account: p.account, amount: cumulative, proof: p.proof }))
          throw new CheckFailedError(`the API's proof for ${p.account} does not lead to root ${p.root}`);
        const claimed = await client.readContract({
          address: at,
          abi,
          functionName: "claimed",
          args: [p.account],
        });
        const claimable = cumulative > claimed ? cumulative - claimed : 0n;
        const ctx = { client, rpc, distributor: at, token, chainId, proof: p, cumulative, claimable };
        if (signOnly) {
          await signAuthorization(ctx, signer, recipient ?? p.account, maxFee, deadlineSeconds);
          return;
        }
        if (auth) await relay({ ...ctx, auth, fee }, signer);
        else await claimDirect(ctx, signer);
      }
    } catch (err) {
      if (err instanceof CheckFailedError) throw err;
      throw chainError(err, rpc);
    }
  },
};

type ClaimData = {
  supporter: { proof: Proof | null } | null;
  indexer: { chainId: string; contract: Address } | null;
};

function proofOf(data: ClaimData, address: Address): Proof {
  if (!data.supporter) throw new UsageError(`the API knows no supporter ${address}`);
  const p = data.supporter.proof;
  if (!p) throw new UsageError(`${address} holds no entitlement in the latest finalized root (nothing to claim yet)`);
  return p;
}

type Ctx = {
  client: PublicClient;
  rpc: string;
  distributor: Address;
  token: Address;
  chainId: number;
  proof: Proof;
  cumulative: bigint;
  claimable: bigint;
};

const balanceOf = (ctx: Ctx, who: Address) =>
  ctx.client.readContract({ address: ctx.token, abi: erc20Abi, functionName: "balanceOf", args: [who] });

async function claimDirect(ctx: Ctx, { account: sender }: Signer) {
  const p = ctx.proof;
  if (ctx.claimable === 0n) {
    console.log(`nothing to claim: ${p.account} has claimed all of its $${formatUsd(ctx.cumulative)}`);
    return;
  }
  const before = await balanceOf(ctx, p.account);
  const call = {
    account: sender,
    address: ctx.distributor,
    abi: distributorAbi(),
    functionName: "claimWithRoot",
    args: [p.account, ctx.cumulative, p.proof, p.root],
  } as const;
  await requireGas({
    client: ctx.client,
    sender: sender.address,
    request: call,
    instead: `fund that address with ETH, or set $${DEFAULT_KEY_ENV} to a key that has ETH (anyone may claim for ${p.account}; the tokens still go to it), or claim gaslessly: sign with \`ledger claim ${p.account} --sign-only …\` and let a relayer submit it with \`--with-sig\``,
  });
  const { request } = await ctx.client.simulateContract(call);
  const hash = await walletFor(ctx.rpc, sender).writeContract({ ...request, chain: null });
  const receipt = await ctx.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`claim reverted (tx ${hash})`);
  const after = await balanceOf(ctx, p.account);
  console.log(
    `claimed $${formatUsd(after - before)} for ${p.account} against epoch ${p.epoch} (tx ${hash}); balance $${formatUsd(before)} → $${formatUsd(after)}`,
  );
}

async function signAuthorization(ctx: Ctx, key: Signer, recipient: Address, maxFee: bigint, deadlineSeconds: number) {
  const p = ctx.proof;
  if (key.account.address.toLowerCase() !== p.account.toLowerCase())
    throw new UsageError(
      `the key is ${key.account.address.toLowerCase()}'s, not ${p.account}'s: --sign-only needs the account's own key`,
    );
  if (maxFee > ctx.claimable)
    throw new UsageError(
      `--max-fee $${formatUsd(maxFee)} exceeds what ${p.account} can claim ($${formatUsd(ctx.claimable)})`,
    );
  const abi = distributorAbi();
  const nonce = await ctx.client.readContract({
    address: ctx.distributor,
    abi,
    functionName: "nonces",
    args: [p.account],
  });
  const block = await ctx.client.getBlock({ blockTag: "latest" });
  const message: ClaimAuthorization = {
    account: p.account.toLowerCase() as Address,
    recipient,
    relayer: ANY_RELAYER,
    maxRelayerFee: maxFee,
    nonce,
    deadline: block.timestamp + BigInt(deadlineSeconds),
  };
  const signature = signTypedMessage({
    domain: { chainId: ctx.chainId, verifyingContract: ctx.distributor },
    primaryType: "ClaimAuthorization",
    message,
    privateKey: key.privateKey,
  });
  const out = authorizationToJson(message, ctx.chainId, ctx.distributor, signature);
  console.log(JSON.stringify(out));
  console.error(
    `signed ClaimAuthorization for ${message.account} → ${recipient}: up to $${formatUsd(ctx.claimable)} claimable, relayer fee ≤ $${formatUsd(maxFee)}, nonce ${nonce}, valid until ${new Date(Number(message.deadline) * 1000).toISOString()}`,
  );
}

function parseAuthorization(raw: string): ParsedAuthorization {
  let text = raw;
  if (raw.startsWith("@")) {
    try {
      text = readFileSync(raw.slice(1), "utf8");
    } catch {
      throw new UsageError(`cannot read the authorization file ${raw.slice(1)}`);
    }
  }
  if (text.length > 4096) throw new UsageError("--with-sig: the authorization is too long");
  let j: Partial<Record<keyof AuthorizationJson, unknown>>;
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    throw new UsageError("--with-sig expects the JSON line `ledger claim --sign-only` printed (or @FILE holding it)");
  }
  return authorizationFromJson(j, (problem) => new UsageError(`--with-sig: ${problem}`));
}

async function relay(
  ctx: Ctx & { auth: ReturnType<typeof parseAuthorization>; fee: bigint | undefined },
  { account: relayer }: Signer,
) {
  const { auth, proof: p } = ctx;
  const m = auth.message;
  if (m.account !== p.account.toLowerCase())
    throw new UsageError(`the authorization is ${m.account}'s, not ${p.account}'s`);
  if (auth.chainId !== ctx.chainId || auth.distributor !== ctx.distributor)
    throw new UsageError(
      `wrong chain: the authorization is for ${auth.distributor} on chain ${auth.chainId}, not ${ctx.distributor} on chain ${ctx.chainId}`,
    );
  const fee = ctx.fee ?? m.maxRelayerFee;
  if (fee > m.maxRelayerFee)
    throw new UsageError(`--fee $${formatUsd(fee)} exceeds the authorization's max fee $${formatUsd(m.maxRelayerFee)}`);
  const abi = distributorAbi();
  const nonce = await ctx.client.readContract({
    address: ctx.distributor,
    abi,
    functionName: "nonces",
    args: [p.account],
  });
  if (nonce !== m.nonce)
    throw new UsageError(
      `the authorization's nonce ${m.nonce} is spent or out of order (the account's next nonce is ${nonce})`,
    );
  if (ctx.claimable === 0n)
    throw new Error(`nothing to claim: ${p.account} has claimed all of its $${formatUsd(ctx.cumulative)}`);
  if (fee > ctx.claimable)
    throw new UsageError(`--fee $${formatUsd(fee)} exceeds what ${p.account} can claim ($${formatUsd(ctx.claimable)})`);
  const block = await ctx.client.getBlock({ blockTag: "latest" });
  if (block.timestamp > m.deadline)
    throw new UsageError(`the authorization expired at ${new Date(Number(m.deadline) * 1000).toISOString()}`);
  const relayerAddress = relayer.address.toLowerCase() as Address;
  const [recipientBefore, relayerBefore] = [await balanceOf(ctx, m.recipient), await balanceOf(ctx, relayerAddress)];
  const call = {
    account: relayer,
    address: ctx.distributor,
    abi,
    functionName: "claimWithSig",
    args: [m, ctx.cumulative, p.proof, fee, auth.signature],
  } as const;
  await requireGas({
    client: ctx.client,
    sender: relayerAddress,
    request: call,
    instead: `the relayer pays gas: fund that address with ETH, or set $${DEFAULT_KEY_ENV} to a relayer key that has ETH`,
  });
  const { request } = await ctx.client.simulateContract(call);
  const hash = await walletFor(ctx.rpc, relayer).writeContract({ ...request, chain: null });
  const receipt = await ctx.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`claimWithSig reverted (tx ${hash})`);
  const [recipientAfter, relayerAfter] = [await balanceOf(ctx, m.recipient), await balanceOf(ctx, relayerAddress)];
  console.log(
    `relayed claimWithSig for ${p.account} against epoch ${p.epoch} (tx ${hash}): recipient ${m.recipient} +$${formatUsd(recipientAfter - recipientBefore)}, relayer ${relayerAddress} fee +$${formatUsd(relayerAfter - relayerBefore)}`,
  );
}
