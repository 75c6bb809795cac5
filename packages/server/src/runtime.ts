import type { Logger } from "pino";
import { type Config, loadConfig } from "./config.js";
import type { Deps } from "./context.js";
import { connectDatabase, type DatabaseHandle } from "./db/connect.js";
import { unavailableCause } from "./db/errors.js";
import { migrateToLatest } from "./db/migrate.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { SecretBox } from "./lib/crypto.js";
import { createLogger } from "./logger.js";
import { resolveMasterKey } from "./master-key.js";

export interface Runtime {
  config: Config;
  deps: Deps;
  database: DatabaseHandle;
  logger: Logger;
}

/** Opens what a process needs (config, logger, database, secrets), shared by serve, worker and the CLI. */
export async function openRuntime(
  options: {
    env?: Record<string, string | undefined>;
    clock?: Clock;
    migrate?: boolean;
    logger?: Logger;
    baseUrl?: string;
  } = {},
): Promise<Runtime> {
  const config = loadConfig(options.env);
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const database = connectDatabase(config.DATABASE_URL, {
    connectTimeoutMs: config.TESSERA_DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.TESSERA_DB_STATEMENT_TIMEOUT_MS,
    checkpointMs: config.TESSERA_SQLITE_CHECKPOINT_MS,
    // Never thrown (nothing awaits them); the pool replaces a lost connection on the next query.
    onBackgroundError: (err, what) => logger.warn({ err, cause: unavailableCause(err) }, what),
  });
  try {
    if (options.migrate ?? config.TESSERA_MIGRATE_ON_START) {
      const { applied } = await migrateToLatest(database.db);
      if (applied.length) logger.info({ applied }, "migrations applied");
    }
    const deps: Deps = {
      db: database.db,
      dialect: database.dialect,
      clock: options.clock ?? systemClock,
      logger,
      secrets: new SecretBox(resolveMasterKey(config, logger)),
      baseUrl: options.baseUrl ?? "",
      tokens: { ttlSeconds: config.TESSERA_TOKEN_TTL_SECONDS, issuer: config.TESSERA_TOKEN_ISSUER },
    };
    return { config, deps, database, logger };
  } catch (error) {
    await database.close();
    throw error;
  }
}
