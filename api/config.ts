import { BaseError } from "../core/errors.ts";

/** The API process's configuration, read once from the environment and validated at boot. */
export type ApiConfig = {
  host: string;
  port: number;
  /** Unset: embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  /** Where embedded state (PGlite, datasets) lives; `LEDGER_DATA_DIR`, default `./data`. */
  dataDir: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
};

export class InvalidConfigError extends BaseError {
  override name = "InvalidConfigError";
  readonly variable: string;
  constructor(variable: string, reason: string) {
    super(`Invalid ${variable}: ${reason}.`);
    this.variable = variable;
  }
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Reads `HOST`, `PORT`, `DATABASE_URL`, `LEDGER_DATA_DIR`, `LOG_LEVEL`. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const port = Number(env.PORT ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidConfigError("PORT", `expected an integer 0–65535, got "${env.PORT}"`);
  const logLevel = (env.LOG_LEVEL ?? "info") as ApiConfig["logLevel"];
  if (!LOG_LEVELS.includes(logLevel))
    throw new InvalidConfigError("LOG_LEVEL", `expected one of ${LOG_LEVELS.join(", ")}`);
  return {
    host: env.HOST ?? "127.0.0.1",
    port,
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: env.LEDGER_DATA_DIR?.trim() || "data",
    logLevel,
  };
}
