// GraphQL over HTTP (queries) and Server-Sent Events (subscriptions), with every failure
// turned into one readable sentence (`DashboardError`), never a stack trace.

/** An error whose message is fit to show a person. */
export class DashboardError extends Error {
  /**
   * @param {string} message
   * @param {string} [code]
   */
  constructor(message, code = "ERROR") {
    super(message);
    this.name = "DashboardError";
    this.code = code;
  }
}

/** @type {string} */
let endpoint = "/graphql";
/** @param {string} url */
export function setEndpoint(url) {
  endpoint = url;
}

/**
 * Runs a query; resolves with `data`, or rejects with a DashboardError.
 * @param {string} query
 * @param {Record<string, unknown>} [variables]
 * @returns {Promise<any>}
 */
export async function gql(query, variables = {}) {
  let res;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new DashboardError("The ledger API is unreachable. Check that it is running, then retry.", "UNREACHABLE");
  }
  /** @type {any} */
  let body;
  try {
    body = await res.json();
  } catch {
    throw new DashboardError(`The ledger API answered HTTP ${res.status} without a GraphQL response.`, "BAD_RESPONSE");
  }
  if (body.errors?.length) {
    const e = body.errors[0];
    const code = e.extensions?.code ?? "ERROR";
    const message =
      code === "INTERNAL_SERVER_ERROR"
        ? "The ledger API failed to answer this request (internal error). Retry in a moment."
        : String(e.message ?? "The ledger API refused the request.");
    throw new DashboardError(message, code);
  }
  if (!res.ok) throw new DashboardError(`The ledger API answered HTTP ${res.status}.`, "HTTP");
  return body.data;
}

/**
 * Subscribes over SSE (`accept: text/event-stream`), reconnecting with back-off. Calls
 * `onData` for each result and `onStatus` with "live" / "reconnecting". Returns `stop()`.
 * @param {string} query
 * @param {Record<string, unknown>} variables
 * @param {(data: any) => void} onData
 * @param {(status: "live" | "reconnecting") => void} [onStatus]
 */
export function subscribe(query, variables, onData, onStatus = () => {}) {
  let stopped = false;
  /** @type {AbortController | undefined} */
  let controller;
  let delay = 500;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch(endpoint, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify({ query, variables }),
          signal: controller.signal,
        });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onStatus("live");
        delay = 500;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let i;
          while ((i = buffer.indexOf("\n\n")) >= 0) {
            const chunk = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const data = chunk
              .split("\n")
              .filter((l) => l.startsWith("data:"))
              .map((l) => l.slice(5).trimStart())
              .join("\n");
            if (!data) continue;
            try {
              const msg = JSON.parse(data);
              if (msg.data) onData(msg.data);
            } catch {
              /* a keep-alive or partial event: ignore */
            }
          }
        }
      } catch {
        /* network error or abort: reconnect below unless stopped */
      }
      if (stopped) return;
      onStatus("reconnecting");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
