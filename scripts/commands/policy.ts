import type { Address, RewardsDomain } from "../../core/eip712/domain.ts";
import type { Messages } from "../../core/eip712/messages.ts";
import type { Hex } from "../../core/hex.ts";
import { ALL_SESSIONS } from "../../core/policy.ts";
import { signTypedMessage } from "../../core/sign.ts";
import { UsageError, parseCommandArgs, type Command } from "../lib/cli.ts";
import { keyFromEnv, parseAddress, parseHttpUrl, parseIntInRange, parseUsdAmount } from "../lib/chain.ts";

const KEY_ENV = "LEDGER_POLICY_PRIVATE_KEY";
const USAGE = `ledger policy sign (budget --from-epoch N --usd AMOUNT | founder NODE --founder true|false --effective-epoch N [--reason TEXT] | flag --epoch N --node ADDRESS --reason-code CODE --decision include|exclude --note TEXT [--session ID] | rate-card --version V --effective-epoch N --rate-card-hash HASH) --chain-id N --distributor ADDRESS [--issued-at SECONDS] [--key-env VAR]
       ledger policy budget --from-epoch N --usd AMOUNT --api URL [--key-env VAR]   (signs locally, then PUT /v1/admin/budget with $LEDGER_ADMIN_API_KEY)
  The policy key (it must hold the distributor's POLICY_ROLE) is read from $${KEY_ENV} or VAR; it is never printed.`;

type PolicyType = "EpochBudget" | "FounderStatus" | "FlagDecision" | "RateCardApproval";

/**
 * The policy key's signatures of discretionary inputs, made where the key lives (core/policy.ts):
 * `sign` prints the EIP-712 message and its signature as one JSON line, to submit to the admin
 * API as `policySignature` (+ `issuedAt`); `budget` signs an `EpochBudget` and records it through
 * the admin API. Every oracle signer and `ledger verify-epoch` recover these signatures and check
 * on-chain that the signer holds POLICY_ROLE.
 */
export const policyCommand: Command = {
  name: "policy",
  summary: "sign … | budget … — the policy key's signatures of budgets, rate cards, founder status and flag decisions",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        "from-epoch": { type: "string" },
        usd: { type: "string" },
        founder: { type: "string" },
        "effective-epoch": { type: "string" },
        reason: { type: "string" },
        epoch: { type: "string" },
        node: { type: "string" },
        "reason-code": { type: "string" },
        decision: { type: "string" },
        note: { type: "string" },
        session: { type: "string" },
        version: { type: "string" },
        "rate-card-hash": { type: "string" },
        "chain-id": { type: "string" },
        distributor: { type: "string" },
        "issued-at": { type: "string" },
        "key-env": { type: "string" },
        api: { type: "string" },
      },
      USAGE,
    );
    const [action, what, ...rest] = positionals;
    const epochOf = (name: "from-epoch" | "effective-epoch" | "epoch") => {
      if (values[name] === undefined) throw new UsageError(`--${name} is required\nusage: ${USAGE}`);
      return BigInt(parseIntInRange(values[name], `--${name}`, 0, 0, 2 ** 40));
    };
    const issuedAt =
      values["issued-at"] === undefined
        ? BigInt(Math.floor(Date.now() / 1000))
        : BigInt(parseIntInRange(values["issued-at"], "--issued-at", 0, 0, 2 ** 40));
    // the key is read last, after every argument checked: a usage mistake never needs the key
    const signingKey = () => keyFromEnv(values["key-env"] ?? KEY_ENV);

    if (action === "budget") {
      if (what !== undefined) throw new UsageError(`unexpected ${what}\nusage: ${USAGE}`);
      const api = parseHttpUrl(values.api, "--api", USAGE);
      const adminKey = process.env.LEDGER_ADMIN_API_KEY?.trim();
      if (!adminKey)
        throw new UsageError("set LEDGER_ADMIN_API_KEY to an admin API key with the admin:rate-cards scope");
      const message = {
        fromEpoch: epochOf("from-epoch"),
        budgetMicroUsd: parseUsdAmount(values.usd, "--usd", 0n),
        issuedAt,
      };
      const key = signingKey();
      const domain = await domainFromApi(api);
      const signature = signTypedMessage({ domain, primaryType: "EpochBudget", message, privateKey: key.privateKey });
      const res = await fetch(new URL("/v1/admin/budget", api), {
        method: "PUT",
        headers: { "content-type": "application/json", "x-api-key": adminKey },
        body: JSON.stringify({
          fromEpoch: Number(message.fromEpoch),
          budgetMicroUsd: message.budgetMicroUsd.toString(),
          issuedAt: Number(issuedAt),
          policySignature: signature,
        }),
      });
      const body = (await res.json().catch(() => ({}))) as { message?: string; code?: string };
      if (!res.ok)
        throw new UsageError(
          `the API refused the budget (${res.status} ${body.code ?? ""}): ${body.message ?? res.statusText}`,
        );
      process.stdout.write(
        `budget ${message.budgetMicroUsd} µUSD per epoch from epoch ${message.fromEpoch}, signed by ${key.account.address.toLowerCase()}\n`,
      );
      return;
    }
    if (action !== "sign" || what === undefined) throw new UsageError(`usage: ${USAGE}`);
    const domain: RewardsDomain = {
      chainId: parseIntInRange(values["chain-id"], "--chain-id", 31_337, 1, Number.MAX_SAFE_INTEGER),
      verifyingContract: parseAddress(values.distributor, "--distributor", USAGE),
    };
    let signed: { primaryType: PolicyType; message: Messages[PolicyType] };
    switch (what) {
      case "budget":
        signed = {
          primaryType: "EpochBudget",
          message: {
            fromEpoch: epochOf("from-epoch"),
            budgetMicroUsd: parseUsdAmount(values.usd, "--usd", 0n),
            issuedAt,
          },
        };
        break;
      case "founder": {
        const node = parseAddress(rest[0], "NODE", USAGE);
        if (values.founder !== "true" && values.founder !== "false")
          throw new UsageError("--founder must be true (grant) or false (revoke)");
        signed = {
          primaryType: "FounderStatus",
          message: {
            node,
            founder: values.founder === "true",
            effectiveEpoch: epochOf("effective-epoch"),
            issuedAt,
            reason: values.reason ?? "",
          },
        };
        break;
      }
      case "flag": {
        if (values.decision !== "include" && values.decision !== "exclude")
          throw new UsageError("--decision must be include or exclude");
        if (!values["reason-code"] || !/^[A-Z][A-Z0-9_]{1,63}$/.test(values["reason-code"]))
          throw new UsageError("--reason-code must be a reason code such as NODE_OFFLINE");
        if (!values.note?.trim()) throw new UsageError("--note (why) is required");
        const session = values.session ?? ALL_SESSIONS;
        if (!/^0x[0-9a-fA-F]{64}$/.test(session)) throw new UsageError("--session must be 0x + 64 hex digits");
        signed = {
          primaryType: "FlagDecision",
          message: {
            epoch: epochOf("epoch"),
            node: parseAddress(values.node, "--node", USAGE),
            sessionId: session.toLowerCase() as Hex,
            reasonCode: values["reason-code"],
            include: values.decision === "include",
            note: values.note,
            issuedAt,
          },
        };
        break;
      }
      case "rate-card": {
        const hash = values["rate-card-hash"];
        if (!hash || !/^0x[0-9a-fA-F]{64}$/.test(hash))
          throw new UsageError(
            "--rate-card-hash must be the card's hash (0x + 64 hex digits; GraphQL rateCardSchedule)",
          );
        signed = {
          primaryType: "RateCardApproval",
          message: {
            version: BigInt(parseIntInRange(values.version, "--version", 0, 1, 2 ** 31 - 1)),
            effectiveEpoch: epochOf("effective-epoch"),
            rateCardHash: hash.toLowerCase() as Hex,
          },
        };
        break;
      }
      default:
        throw new UsageError(`unknown input ${what}: budget, founder, flag or rate-card\nusage: ${USAGE}`);
    }
    const key = signingKey();
    const signature = signTypedMessage({ domain, ...signed, privateKey: key.privateKey });
    process.stdout.write(
      `${JSON.stringify(
        {
          primaryType: signed.primaryType,
          message: signed.message,
          signer: key.account.address.toLowerCase() as Address,
          policySignature: signature,
        },
        (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
      )}\n`,
    );
  },
};

/** The deployment's EIP-712 domain as the API's dashboard config names it. */
async function domainFromApi(api: string): Promise<RewardsDomain> {
  let res: Response;
  try {
    res = await fetch(new URL("/dashboard/config.json", api));
  } catch (err) {
    throw new UsageError(`cannot reach the API at ${api} (${(err as Error).message}): is it running?`);
  }
  const c = (await res.json().catch(() => ({}))) as { chainId?: number; distributor?: string };
  if (!res.ok || typeof c.chainId !== "number" || typeof c.distributor !== "string")
    throw new UsageError(`the API at ${api} did not say which chain and distributor it serves (dashboard config.json)`);
  return { chainId: c.chainId, verifyingContract: c.distributor.toLowerCase() as Address };
}
