import type { Config } from "../config.js";
import { dialectOf } from "../db/connect.js";
import { defaultConcurrency, type WorkerTuning } from "./worker.js";

/** `type=n,type=n` (TESSERA_WORKER_TYPE_CONCURRENCY) as a map; a bad entry is a config error. */
export function parseTypeLimits(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (text ?? "").split(",").map((p) => p.trim())) {
    if (!part) continue;
    const match = /^([\w.:-]+)=(\d+)$/.exec(part);
    if (!match || Number(match[2]) < 1) throw new Error(`"${part}" is not type=n with n ≥ 1`);
    out[match[1]!] = Number(match[2]);
  }
  return out;
}

/** Jobs a worker runs at once: as configured, else the default of the configured database. */
export function workerConcurrency(config: Config): number {
  return config.TESSERA_WORKER_CONCURRENCY ?? defaultConcurrency(dialectOf(config.DATABASE_URL));
}

/** The worker's settings from the config, shared by `serve` and `worker`. */
export function workerTuning(config: Config): WorkerTuning {
  return {
    pollMs: config.TESSERA_WORKER_POLL_MS,
    // TESSERA_WORKER_LOCK_MS is the lease's old name: still honoured when it is the one set.
    leaseMs: config.TESSERA_WORKER_LEASE_MS ?? config.TESSERA_WORKER_LOCK_MS,
    concurrency: workerConcurrency(config),
    perType: parseTypeLimits(config.TESSERA_WORKER_TYPE_CONCURRENCY),
    perTarget: config.TESSERA_WORKER_TARGET_CONCURRENCY,
    perTargetKind: parseTypeLimits(config.TESSERA_WORKER_TARGET_KIND_CONCURRENCY),
    ...(config.TESSERA_WORKER_TENANT_CONCURRENCY ? { perTenant: config.TESSERA_WORKER_TENANT_CONCURRENCY } : {}),
  };
}
