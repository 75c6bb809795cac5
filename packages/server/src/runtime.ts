import type { Logger } from "pino";
import { type Config, loadConfig } from "./config.js";
import type { Deps } from "./context.js";
import { type ConnectOptions, connectDatabase, type DatabaseHandle } from "./db/connect.js";
import { unavailableCause } from "./db/errors.js";
import { type MigrationReport, migrateToLatest } from "./db/migrate.js";
import { workerConcurrency } from "./jobs/settings.js";
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
  // A connection per job the worker runs at once, and some for requests: a job in a transaction
  // that reads outside it needs a second one, and a pool smaller than the worker could deadlock.
  const database = connectDatabase(config.DATABASE_URL, {
    ...databaseOptions(config, logger),
    poolSize: Math.max(10, workerConcurrency(config) + 4),
  });
  try {
    if (options.migrate ?? config.TESSERA_MIGRATE_ON_START) {
      const { applied } = await migrate(database, config, logger);
      if (applied.length) logger.info({ applied }, "migrations applied");
    }
    const deps: Deps = {
      db: database.db,
      dialect: database.dialect,
      clock: options.clock ?? systemClock,
      logger,
      secrets: new SecretBox(resolveMasterKey(config, logger)),
      baseUrl: options.baseUrl ?? "",
      tokens: {
        ttlSeconds: config.TESSERA_TOKEN_TTL_SECONDS,
        issuer: config.TESSERA_TOKEN_ISSUER,
        rotationLeadSeconds: config.TESSERA_KEY_ROTATION_LEAD_SECONDS,
      },
    };
    return { config, deps, database, logger };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** How a process connects: the timeouts of its configuration, background errors logged. */
export function databaseOptions(config: Config, logger: Logger): ConnectOptions {
  return {
    connectTimeoutMs: config.TESSERA_DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.TESSERA_DB_STATEMENT_TIMEOUT_MS,
    checkpointMs: config.TESSERA_SQLITE_CHECKPOINT_MS,
    sqliteCacheMb: config.TESSERA_SQLITE_CACHE_MB,
    sqliteMmapMb: config.TESSERA_SQLITE_MMAP_MB,
    // Never thrown (nothing awaits them); the pool replaces a lost connection on the next query.
    onBackgroundError: (err, what) => logger.warn({ err, cause: unavailableCause(err) }, what),
  };
}

/**
 * Applies pending migrations. On Postgres they get a connection of their own without the statement
 * timeout, which is for requests: building an index on a large table may take minutes. (SQLite
 * statements have no timeout, and a second connection to `:memory:` would be another database.)
 */
export async function migrate(database: DatabaseHandle, config: Config, logger: Logger): Promise<MigrationReport> {
  if (database.dialect !== "postgres") return migrateToLatest(database.db);
  const unlimited = connectDatabase(config.DATABASE_URL, {
    ...databaseOptions(config, logger),
    statementTimeoutMs: 0,
    poolSize: 1,
  });
  try {
    return await migrateToLatest(unlimited.db);
  } finally {
    await unlimited.close();
  }
}
