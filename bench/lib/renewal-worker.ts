import type { Deps } from "../../packages/server/src/context.js";
import type { DatabaseHandle } from "../../packages/server/src/db/connect.js";
import { createWorker } from "../../packages/server/src/jobs/worker.js";
import { systemClock } from "../../packages/server/src/lib/clock.js";
import { SecretBox } from "../../packages/server/src/lib/crypto.js";
import { createLogger } from "../../packages/server/src/logger.js";
import { createServices } from "../../packages/server/src/services.js";
import { SEED_MASTER_KEY } from "../../packages/server/test/renewal-seed.js";

/** The production worker over a database seeded by `seedDueRenewals`, with the services' real job handlers. */
export function renewalWorker(database: DatabaseHandle, o: { batchSize: number; concurrency?: number | undefined }) {
  const deps: Deps = {
    db: database.db,
    dialect: database.dialect,
    clock: systemClock,
    logger: createLogger("warn", process.stderr),
    secrets: new SecretBox(SEED_MASTER_KEY),
    baseUrl: "",
  };
  const services = createServices(deps);
  return createWorker({
    deps,
    handlers: () => services.jobs.handlers(),
    scopeOf: (id) => services.tenancy.scopeForEnvironment(id),
    batchSize: o.batchSize,
    ...(o.concurrency && { concurrency: o.concurrency }),
  });
}
