import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { ConfigError } from "./config.js";
import { randomSecret } from "./lib/crypto.js";

/**
 * The master key encrypts provider credentials and signing keys at rest. Production must set
 * TESSERA_MASTER_KEY; on a developer machine with the SQLite default, one is generated next to the
 * database file so the quickstart needs no set-up.
 */
export function resolveMasterKey(config: Config, logger: Logger): string {
  if (config.TESSERA_MASTER_KEY) return config.TESSERA_MASTER_KEY;
  if (config.TESSERA_MASTER_KEY_FILE) return readKeyFile(config.TESSERA_MASTER_KEY_FILE);
  if (config.NODE_ENV === "production") {
    throw new ConfigError("TESSERA_MASTER_KEY (or TESSERA_MASTER_KEY_FILE) is required when NODE_ENV=production");
  }
  const dbPath = config.DATABASE_URL.startsWith("sqlite:") ? config.DATABASE_URL.slice(7) : "";
  const dir = dbPath && dbPath !== ":memory:" ? dirname(resolve(dbPath)) : resolve("data");
  const file = join(dir, "master.key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dir, { recursive: true });
  const key = randomSecret(32);
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  logger.warn({ file }, "TESSERA_MASTER_KEY is not set: generated a development master key (set it in production)");
  return key;
}

/** A file (a Docker or Kubernetes secret, say) keeps the key out of the environment and `ps`. */
function readKeyFile(path: string): string {
  let key: string;
  try {
    key = readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new ConfigError(`TESSERA_MASTER_KEY_FILE: cannot read ${path}: ${(error as Error).message}`);
  }
  if (key.length < 32)
    throw new ConfigError(`TESSERA_MASTER_KEY_FILE: the key in ${path} is shorter than 32 characters`);
  return key;
}
