// The Admin view's link to the admin REST API (/v1/admin/…): the API key the admin typed, kept in
// sessionStorage only (gone when the tab closes; never logged, never put in a URL), sent as
// `Authorization: Bearer <key>`, the header the API's scope check reads (http/plugins/auth.ts).
// Hands on `adminRequest`, whose refusals (401, 403, 400, 404, 409, 429) are one plain sentence
// built from the server's own message.
import { DashboardError } from "./gql.js";

const STORAGE_KEY = "ledger.adminApiKey";

/** The key typed in this tab, or null. @returns {string | null} */
export function adminKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Keeps `key` for this tab only (an empty key forgets it). @param {string} key */
export function setAdminKey(key) {
  const k = key.trim();
  if (k) sessionStorage.setItem(STORAGE_KEY, k);
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** What each refusal means, before the server's own sentence. */
const REFUSAL = /** @type {Record<number, string>} */ ({
  400: "The server refused the input",
  401: "The server did not accept the API key",
  403: "Refused (wrong scope)",
  404: "The server found nothing to change",
  409: "The server refused the change",
  429: "Too many requests with this API key",
});

/**
 * Sends one admin request with the key; resolves with the JSON answer, or rejects with a
 * DashboardError saying in one sentence why the server refused (its `code` is the server's).
 * @param {"GET" | "POST" | "PUT"} method
 * @param {string} path e.g. `/v1/admin/rate-cards`
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function adminRequest(method, path, body) {
  const key = adminKey();
  if (!key) throw new DashboardError("Enter an admin API key first (it stays in this tab only).", "NO_API_KEY");
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new DashboardError("The ledger API is unreachable. Check that it is running, then retry.", "UNREACHABLE");
  }
  /** @type {any} */
  let answer = null;
  try {
    answer = await res.json();
  } catch {
    // said below
  }
  if (res.ok && answer !== null) return answer;
  const said = typeof answer?.message === "string" ? answer.message : `it answered HTTP ${res.status}.`;
  const what = REFUSAL[res.status] ?? `The server answered HTTP ${res.status}`;
  throw new DashboardError(`${what}: ${said}`, String(answer?.code ?? `HTTP_${res.status}`));
}
