/**
 * What a data directory remembers between `npm start`s: takes the data directory and hands on its
 * dev.json state (loaded, or fresh), a `save`, and `forgetUndeployedStart`; also the dev chain's
 * well-known keys (`devKey`).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Address, Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import type { Actor } from "../simulator.ts";

const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** `npm start`'s late-receipt grace (s): its oracle closes an epoch this long after its end, and its API states it. */
export const DEV_GRACE_SECONDS = 2;

export const devKey = (index: number): Hex => {
  const hd = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey();
  return `0x${Buffer.from(hd.privateKey!).toString("hex")}`;
};

/** What a data directory remembers between runs. */
export type DevState = {
  genesis: number;
  epochSeconds: number;
  coordinatorKey: Hex;
  adminApiKey: string;
  platformApiKey?: string;
  distributor?: Address;
  /** The distributor's default admin (a RewardsTimelock in the dev deployment): `ledger governance` talks to it. */
  timelock?: Address;
  token?: Address;
  startBlock?: string;
  actors?: (Omit<Actor, "behaviour"> & { behaviour: Actor["behaviour"] })[];
};

/** What every step of `npm start` is handed: where its stop goes (run in reverse order) and how it prints a line. */
export type StartStep = { stops: (() => Promise<void>)[]; say: (line: string) => void };

export type DevStore = {
  state: DevState;
  saveState: () => void;
  forgetUndeployedStart: (genesis: number) => void;
  journalFile: string;
};

/**
 * Opens `<dataDir>/dev.json` (written back at once). `ownChain`: the dev chain is ours, so a start
 * that never deployed is forgotten rather than resumed.
 */
export function openDevState(o: { dataDir: string; epochSeconds: number; ownChain: boolean }): DevStore {
  const stateFile = path.join(o.dataDir, "dev.json");
  const journalFile = path.join(o.dataDir, "chain-journal.ndjson");
  const freshState = (): DevState => ({
    genesis: Math.floor(Date.now() / 1000),
    epochSeconds: o.epochSeconds,
    coordinatorKey: `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`,
    adminApiKey: `ledger_admin_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex")}`,
  });
  /**
   * What a start that never deployed left behind (a dev.json without a distributor, a chain
   * journal, Ignition's half-written record) is of no use to the next start and would put its
   * clocks in the past: removed, so the next start begins as the first one would.
   */
  const forgetUndeployedStart = (genesis: number) => {
    rmSync(stateFile, { force: true });
    rmSync(journalFile, { force: true });
    rmSync(fileURLToPath(new URL(`../../../ignition/deployments/ledger-dev-${genesis}`, import.meta.url)), {
      recursive: true,
      force: true,
    });
  };
  let loaded = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, "utf8")) as DevState) : undefined;
  if (loaded && !loaded.distributor && o.ownChain && !process.env.LEDGER_DISTRIBUTOR_ADDRESS) {
    forgetUndeployedStart(loaded.genesis);
    loaded = undefined;
  }
  const state: DevState = loaded ?? freshState();
  const saveState = () => writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  saveState();
  return { state, saveState, forgetUndeployedStart, journalFile };
}
