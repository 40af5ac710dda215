/**
 * Whether an error says the chain's RPC could not be reached: the transport failed (refused,
 * reset, timed out, HTTP error status, socket closed) rather than the node answering. Pure: it
 * only reads the error's cause chain. The oracle's daemon and the indexer retry such a fault
 * with capped backoff and log it once per outage; the API answers 503 `CHAIN_UNAVAILABLE`.
 *
 * A JSON-RPC error object, a revert or undecodable data is the node answering, not an outage.
 *
 * @example isChainUnavailable(new HttpRequestError({ url: "http://rpc", status: 502 })) // true
 */

/** viem's transport-level errors (matched by name: one check across viem's copies and versions). */
const TRANSPORT_ERRORS = new Set(["HttpRequestError", "TimeoutError", "SocketClosedError", "WebSocketRequestError"]);
/** Node socket error codes of a server that is not there right now. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export function isChainUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 12; e = e.cause, depth++) {
    if (TRANSPORT_ERRORS.has(e.name)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && SOCKET_CODES.has(code)) return true;
  }
  return false;
}
