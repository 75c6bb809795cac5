import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import * as foundation from "./migrations/2026-11-23-001-foundation.js";
import * as lifecycle from "./migrations/2026-11-23-002-lifecycle.js";
import * as subscriptions from "./migrations/2026-11-23-003-subscriptions.js";
import * as webhooks from "./migrations/2026-11-23-004-webhooks.js";
import * as entitlements from "./migrations/2026-11-23-005-entitlements.js";
import * as jobClaimIndexes from "./migrations/2026-11-23-006-job-claim-indexes.js";
import * as eventLineage from "./migrations/2026-12-03-040-event-lineage.js";
import * as audit from "./migrations/2026-12-03-080-audit.js";
import type { Database } from "./types.js";

/**
 * Migrations are listed here rather than read from a folder, so they work the same from source,
 * from a bundle, and from a packed npm tarball. Names sort by date.
 */
export const MIGRATIONS: Record<string, Migration> = {
  "2026-11-23-001-foundation": foundation,
  "2026-11-23-002-lifecycle": lifecycle,
  "2026-11-23-003-subscriptions": subscriptions,
  "2026-11-23-004-webhooks": webhooks,
  "2026-11-23-005-entitlements": entitlements,
  "2026-11-23-006-job-claim-indexes": jobClaimIndexes,
  "2026-12-03-040-event-lineage": eventLineage,
  "2026-12-03-080-audit": audit,
};

class StaticProvider implements MigrationProvider {
  async getMigrations() {
    return MIGRATIONS;
  }
}

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const cause = error instanceof Error ? error : new Error(String(error ?? "unknown"));
    throw new Error(`migration ${failed?.migrationName ?? "?"} failed: ${cause.message}`, { cause });
  }
  return { applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) };
}
