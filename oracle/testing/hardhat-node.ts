/**
 * A `hardhat node` child process on a free 127.0.0.1 port (started directly, not through npx,
 * so `stop()` kills the real process), ready once it answers `eth_chainId`.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, http } from "viem";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `pid` is the node process's own (for reading its memory from /proc). */
export type HardhatNode = { url: string; pid: number; stop(): void };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    path.join(ROOT, "node_modules/.bin/hardhat"),
    ["node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: ROOT, stdio: "ignore" },
  );
  const stop = () => {
    child.kill("SIGKILL");
  };
  const client = createPublicClient({ transport: http(url, { retryCount: 0 }) });
  for (let i = 0; ; i++) {
    try {
      await client.getChainId();
      return { url, pid: child.pid!, stop };
    } catch {
      if (i > 160 || child.exitCode !== null) {
        stop();
        throw new Error(`hardhat node did not start on ${url}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
