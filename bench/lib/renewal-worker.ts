import type { Deps } from "../../packages/server/src/context.js";
import type { DatabaseHandle } from "../../packages/server/src/db/connect.js";
import { createWorker, type Worker } from "../../packages/server/src/jobs/worker.js";
import { systemClock } from "../../packages/server/src/lib/clock.js";
import { SecretBox } from "../../packages/server/src/lib/crypto.js";
import { createLogger } from "../../packages/server/src/logger.js";
import { createServices } from "../../packages/server/src/services.js";
import { SEED_MASTER_KEY } from "../../packages/server/test/renewal-seed.js";

export interface RenewalWorkerOptions {
  batchSize: number;
  concurrency?: number | undefined;
  /**
   * The worker the server runs: after each job it kicks the fan-out, so the events a renewal
   * recorded reach their consumers (audit trail, entitlement pushes, webhooks) in the same drain.
   * Without it, only the renewal jobs run (the figure this bench has tracked since before fan-out).
   */
  consumers?: boolean;
}

/** The services' dependencies over a database seeded by `seedDueRenewals` (its master key, the wall clock). */
export function benchDeps(database: DatabaseHandle): Deps {
  return {
    db: database.db,
    dialect: database.dialect,
    clock: systemClock,
    logger: createLogger("warn", process.stderr),
    secrets: new SecretBox(SEED_MASTER_KEY),
    baseUrl: "",
  };
}

/** A worker over a database seeded by `seedDueRenewals`, with the services' real job handlers. */
export function renewalWorker(database: DatabaseHandle, o: RenewalWorkerOptions): Worker {
  const deps = benchDeps(database);
  const tuning = { batchSize: o.batchSize, ...(o.concurrency && { concurrency: o.concurrency }) };
  const services = createServices(deps, { worker: tuning });
  if (o.consumers) return services.worker;
  return createWorker({
    deps,
    handlers: () => services.jobs.handlers(),
    scopeOf: (id) => services.tenancy.scopeForEnvironment(id),
    ...tuning,
  });
}
