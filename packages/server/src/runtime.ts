import type { Logger } from "pino";
import { type Config, loadConfig } from "./config.js";
import type { Deps } from "./context.js";
import { connectDatabase, type DatabaseHandle } from "./db/connect.js";
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
  const database = connectDatabase(config.DATABASE_URL);
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
