/**
 * The product's processes as benchmarks start them: `startApi` spawns `node server/main.ts` (the
 * API: ingest, REST, GraphQL, dashboard) on a free loopback port with the environment given and
 * waits for `/readyz`; `stopProcess` ends a child (SIGTERM, then SIGKILL after 10 s). Beside them
 * the small helpers every HTTP-driving benchmark needs: `post` (JSON, throws on a non-2xx answer)
 * and `parallel` (at most N requests in flight).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export type StartedApi = { child: ChildProcess; base: string };

/** `node server/main.ts` with `env` on top of this process's environment; resolves once it is ready. */
export async function startApi(
  env: Record<string, string>,
  stdio: "ignore" | "inherit" = "ignore",
): Promise<StartedApi> {
  const port = await freePort();
  const child = spawn(process.execPath, ["server/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", stdio, "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, base };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGTERM");
  throw new Error("server did not become ready in 60 s");
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function parallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function post(
  base: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
  method: "POST" | "PUT" = "POST",
): Promise<string> {
  const res = await fetch(`${base}${path}`, {
    method,
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return text;
}
