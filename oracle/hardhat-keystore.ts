import type { Address } from "../core/eip712/domain.ts";
import type { Hex } from "../core/hex.ts";
import { privateKeyToAddress } from "../core/sign.ts";
import { KeystoreError } from "./keystore.ts";

/**
 * Oracle keys from the Hardhat keystore (`npx hardhat keystore set NAME`, or `--dev` for the
 * development keystore): `<PREFIX>_HARDHAT_KEYSTORE=NAME` names the configuration variable that
 * holds the key, and it is resolved through Hardhat's configuration-variable hooks, so the
 * `hardhat-keystore` plugin answers exactly as it does for `hardhat.config.ts`: the development
 * keystore first (no password), then the production keystore (Hardhat prompts for its password
 * on the terminal, once per process).
 *
 * WARNING: Hardhat gives an environment variable called NAME precedence over the keystore (and
 * in CI uses nothing else). A key that arrives that way is a plain environment key, so it is
 * accepted only with `LEDGER_DEV_MODE=1`, like `<PREFIX>_PRIVATE_KEY`.
 *
 * Hardhat is imported only when such a variable is set (loading it costs about a second).
 */
export type HardhatKeystoreKeys = Partial<Record<string, { privateKey: Hex; address: Address }>>;

/** Resolves `<prefix>_HARDHAT_KEYSTORE` for each prefix that sets it; throws `KeystoreError` with one line. */
export async function loadHardhatKeystoreKeys(
  env: NodeJS.ProcessEnv,
  prefixes: readonly string[],
): Promise<HardhatKeystoreKeys> {
  const wanted = prefixes
    .map((prefix) => ({ prefix, name: env[`${prefix}_HARDHAT_KEYSTORE`]?.trim() }))
    .filter((w): w is { prefix: string; name: string } => Boolean(w.name));
  if (wanted.length === 0) return {};
  const { default: hre } = await import("hardhat");
  const { configVariable } = await import("hardhat/config");
  const keys: HardhatKeystoreKeys = {};
  for (const { prefix, name } of wanted) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name))
      throw new KeystoreError(`${prefix}_HARDHAT_KEYSTORE must name a configuration variable (letters, digits, _)`);
    if (env[name] !== undefined && env.LEDGER_DEV_MODE !== "1")
      throw new KeystoreError(
        `${prefix}_HARDHAT_KEYSTORE names ${name}, which is set in the environment (a plain key): allowed only with LEDGER_DEV_MODE=1`,
      );
    let value: string;
    try {
      value = await hre.hooks.runHandlerChain("configurationVariables", "fetchValue", [configVariable(name)], () => {
        throw new KeystoreError(`no key ${name} in the Hardhat keystore (npx hardhat keystore set ${name})`);
      });
    } catch (err) {
      if (err instanceof KeystoreError) throw err;
      const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
      throw new KeystoreError(`cannot read ${name} from the Hardhat keystore: ${message}`);
    }
    const privateKey = value.trim();
    if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey))
      throw new KeystoreError(`${name} in the Hardhat keystore is not a private key (0x and 64 hex digits)`);
    keys[prefix] = { privateKey: privateKey as Hex, address: privateKeyToAddress(privateKey as Hex) };
  }
  return keys;
}
