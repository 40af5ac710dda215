import pino from "pino";
import type { Logger } from "pino";
import type { Address } from "../../core/eip712/domain.ts";
import type { Db } from "../../db/types.ts";
import type { OracleChain } from "../chain.ts";
import type { OracleContext } from "../context.ts";
import { SIGNER_KEYS } from "./chain.ts";
import { COORDINATOR } from "./seed.ts";

/**
 * The tests' and bench's `OracleContext`: takes a database, a deployed test chain, a data
 * directory and the wall clock, and hands back a context with the test defaults — the test
 * coordinator, 60 s grace and heartbeat slots, a 10¹² µUSD budget, the first two test signer
 * keys as local signers, a vetoed root never re-proposed — each overridable in `config`.
 */

export type TestOracleContextParameters = {
  db: Db;
  /** The test chain (oracle/testing/chain.ts): its chain id and distributor, and its chain unless `chain` is given. */
  deployed: { chainId: number; distributor: Address; chain: OracleChain };
  /** The oracle's chain, when not `deployed.chain` (a faulty RPC in front of it, other timeouts). */
  chain?: OracleChain;
  dataDir: string;
  /** The wall clock the context reads, unix seconds. */
  nowSeconds: bigint;
  /** Default: silent. */
  log?: Logger;
  config?: Partial<OracleContext["config"]>;
  onStage?: OracleContext["onStage"];
};

export function testOracleContext(p: TestOracleContextParameters): OracleContext {
  return {
    db: p.db,
    chain: p.chain ?? p.deployed.chain,
    log: p.log ?? pino({ level: "silent" }),
    config: {
      chainId: p.deployed.chainId,
      distributor: p.deployed.distributor,
      coordinator: COORDINATOR,
      graceSeconds: 60,
      heartbeatSlotSeconds: 60n,
      budgetMicroUsd: 10n ** 12n,
      dataDir: p.dataDir,
      signerKeys: SIGNER_KEYS.slice(0, 2),
      allowVetoedRoot: false,
      ...p.config,
    },
    now: () => new Date(Number(p.nowSeconds) * 1000),
    ...(p.onStage ? { onStage: p.onStage } : {}),
  };
}
