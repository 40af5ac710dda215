/**
 * The relayer's refusals: a `RelayerError` is an HTTP status, a stable code and one plain
 * sentence; `refusalOfRevert` turns the distributor's decoded custom error (from the
 * simulation) into one, so a bad authorization is refused before the relayer spends gas.
 */
import { BaseError } from "../core/errors.ts";

export class RelayerError extends BaseError {
  override name = "RelayerError";
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}

const args = (a: readonly unknown[]) => a.map((x) => String(x)).join(", ");

/** The refusal for the custom error `claimWithSig`'s simulation reverted with. */
export function refusalOfRevert(name: string, a: readonly unknown[]): RelayerError {
  const said = `${name}(${args(a)})`;
  switch (name) {
    case "InvalidClaimSignature":
      return new RelayerError(
        400,
        "INVALID_SIGNATURE",
        `The signature is not the account's over this authorization (${said}).`,
      );
    case "InvalidNonce":
      return new RelayerError(
        409,
        "NONCE_USED",
        `The authorization's nonce is spent or out of order; sign a new one (${said}).`,
      );
    case "ClaimAuthorizationExpired":
      return new RelayerError(
        400,
        "AUTHORIZATION_EXPIRED",
        `The authorization's deadline has passed; sign a new one (${said}).`,
      );
    case "RelayerFeeTooHigh":
      return new RelayerError(
        400,
        "FEE_ABOVE_MAX",
        `The fee asked exceeds the authorization's maxRelayerFee (${said}).`,
      );
    case "RelayerFeeExceedsAmount":
      return new RelayerError(400, "FEE_ABOVE_AMOUNT", `The fee exceeds what the account can claim (${said}).`);
    case "UnauthorizedRelayer":
      return new RelayerError(403, "WRONG_RELAYER", `The authorization names another relayer (${said}).`);
    case "InvalidProof":
    case "RootMismatch":
    case "NoFinalizedRoot":
      return new RelayerError(
        400,
        "INVALID_PROOF",
        `The proof does not lead to the finalized root; fetch a fresh one (${said}).`,
      );
    case "NothingToClaim":
      return new RelayerError(409, "NOTHING_TO_CLAIM", `The account has already claimed this entitlement (${said}).`);
    case "ZeroAddress":
      return new RelayerError(400, "ZERO_RECIPIENT", "The authorization's recipient is the zero address.");
    default:
      return new RelayerError(422, "CLAIM_REVERTED", `The distributor would refuse this claim: ${said}.`);
  }
}
