import { randomUUID, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { decrypt as aesDecrypt, encrypt as aesEncrypt } from "ethereum-cryptography/aes.js";
import { keccak256 } from "ethereum-cryptography/keccak.js";
import { pbkdf2Sync } from "ethereum-cryptography/pbkdf2.js";
import { getRandomBytesSync } from "ethereum-cryptography/random.js";
import { scryptSync } from "ethereum-cryptography/scrypt.js";
import { concatBytes, utf8ToBytes } from "ethereum-cryptography/utils.js";
import type { Address } from "../core/eip712/domain.ts";
import type { Hex } from "../core/hex.ts";
import { privateKeyToAddress } from "../core/sign.ts";
import { OracleConfigError } from "./errors.ts";

/**
 * Encrypted JSON keystores in the Web3 Secret Storage format (version 3: scrypt or
 * pbkdf2-hmac-sha256, aes-128-ctr, keccak MAC) — the files geth, ethers, Foundry's `cast wallet`
 * and MetaMask exports use. The primitives (scrypt, pbkdf2, AES-CTR, keccak) are the audited
 * `ethereum-cryptography` ones; this file reads and writes the format around them. Keys are never
 * logged; errors name the file, never its content.
 */

type KeystoreV3 = {
  version: 3;
  id?: string;
  address?: string;
  crypto: {
    cipher: string;
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: string;
    kdfparams: Record<string, unknown>;
    mac: string;
  };
};

export class KeystoreError extends OracleConfigError {
  override name = "KeystoreError";
}

function deriveKey(kdf: string, params: Record<string, unknown>, password: string): Uint8Array {
  const salt = Buffer.from(String(params.salt), "hex");
  const dklen = Number(params.dklen ?? 32);
  const secret = utf8ToBytes(password.normalize("NFKC"));
  if (kdf === "scrypt") return scryptSync(secret, salt, Number(params.n), Number(params.p), Number(params.r), dklen);
  if (kdf === "pbkdf2") {
    if (params.prf !== "hmac-sha256") throw new KeystoreError(`unsupported pbkdf2 prf ${String(params.prf)}`);
    return pbkdf2Sync(secret, salt, Number(params.c), dklen, "sha256");
  }
  throw new KeystoreError(`unsupported keystore kdf ${kdf}`);
}

/** The version 3 MAC: keccak256 of the derived key's second half and the ciphertext. */
const keystoreMac = (derived: Uint8Array, ciphertext: Uint8Array) =>
  keccak256(concatBytes(derived.subarray(16, 32), ciphertext));

/** Decrypts a keystore JSON text; throws `KeystoreError` on a wrong password or a damaged file. */
export function decryptKeystore(json: string, password: string): { privateKey: Hex; address: Address } {
  let ks: KeystoreV3;
  try {
    ks = JSON.parse(json) as KeystoreV3;
  } catch {
    throw new KeystoreError("the keystore is not JSON");
  }
  const c =
    (ks as { crypto?: KeystoreV3["crypto"]; Crypto?: KeystoreV3["crypto"] }).crypto ??
    (ks as { Crypto?: KeystoreV3["crypto"] }).Crypto;
  if (ks.version !== 3 || !c) throw new KeystoreError("only version 3 keystores are supported");
  if (c.cipher !== "aes-128-ctr") throw new KeystoreError(`unsupported cipher ${c.cipher}`);
  const derived = deriveKey(c.kdf, c.kdfparams, password);
  const ciphertext = Buffer.from(c.ciphertext, "hex");
  const expected = Buffer.from(c.mac, "hex");
  if (expected.length !== 32 || !timingSafeEqual(keystoreMac(derived, ciphertext), expected))
    throw new KeystoreError("wrong keystore password (MAC mismatch)");
  const key = aesDecrypt(ciphertext, derived.subarray(0, 16), Buffer.from(c.cipherparams.iv, "hex"), "aes-128-ctr");
  const privateKey: Hex = `0x${Buffer.from(key).toString("hex")}`;
  const address = privateKeyToAddress(privateKey);
  if (ks.address && ks.address.replace(/^0x/, "").toLowerCase() !== address.slice(2))
    throw new KeystoreError("the keystore's address does not match its key");
  return { privateKey, address };
}

export type EncryptKeystoreOptions = { scryptN?: number };

/** Encrypts a private key into a version 3 keystore JSON (scrypt; N = 2^18 unless given). */
export function encryptKeystore(privateKey: Hex, password: string, options: EncryptKeystoreOptions = {}): string {
  const N = options.scryptN ?? 262_144;
  const salt = Buffer.from(getRandomBytesSync(32));
  const iv = Buffer.from(getRandomBytesSync(16));
  const kdfparams = { dklen: 32, n: N, p: 1, r: 8, salt: salt.toString("hex") };
  const derived = deriveKey("scrypt", kdfparams, password);
  const ciphertext = Buffer.from(
    aesEncrypt(Buffer.from(privateKey.slice(2), "hex"), derived.subarray(0, 16), iv, "aes-128-ctr"),
  );
  const mac = Buffer.from(keystoreMac(derived, ciphertext)).toString("hex");
  return JSON.stringify({
    version: 3,
    id: randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2),
    crypto: {
      cipher: "aes-128-ctr",
      ciphertext: ciphertext.toString("hex"),
      cipherparams: { iv: iv.toString("hex") },
      kdf: "scrypt",
      kdfparams,
      mac,
    },
  });
}

/**
 * Loads a key the way every oracle process does: `<PREFIX>_KEYSTORE` (a keystore file) with
 * `<PREFIX>_KEYSTORE_PASSWORD` (or `<PREFIX>_KEYSTORE_PASSWORD_FILE`); or, only when
 * `LEDGER_DEV_MODE=1`, a plain `<PREFIX>_PRIVATE_KEY`. Returns undefined when none is set.
 */
export function loadKey(env: NodeJS.ProcessEnv, prefix: string): { privateKey: Hex; address: Address } | undefined {
  const file = env[`${prefix}_KEYSTORE`]?.trim();
  if (file) {
    const passwordFile = env[`${prefix}_KEYSTORE_PASSWORD_FILE`]?.trim();
    const password = passwordFile
      ? readFileSync(passwordFile, "utf8").replace(/\r?\n$/, "")
      : env[`${prefix}_KEYSTORE_PASSWORD`];
    if (password === undefined)
      throw new KeystoreError(`${prefix}_KEYSTORE is set but ${prefix}_KEYSTORE_PASSWORD(_FILE) is not`);
    let json: string;
    try {
      json = readFileSync(file, "utf8");
    } catch {
      throw new KeystoreError(`cannot read keystore file ${file}`);
    }
    return decryptKeystore(json, password);
  }
  const plain = env[`${prefix}_PRIVATE_KEY`]?.trim();
  if (plain) {
    if (env.LEDGER_DEV_MODE !== "1")
      throw new KeystoreError(
        `${prefix}_PRIVATE_KEY is a plain key: allowed only with LEDGER_DEV_MODE=1; use ${prefix}_KEYSTORE in production`,
      );
    if (!/^0x[0-9a-fA-F]{64}$/.test(plain))
      throw new KeystoreError(`${prefix}_PRIVATE_KEY must be 0x and 64 hex digits`);
    return { privateKey: plain as Hex, address: privateKeyToAddress(plain as Hex) };
  }
  return undefined;
}
