import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter } from "kysely";
import { withOwnerAccess } from "./access.js";
import * as foundation from "./migrations/2026-11-23-001-foundation.js";
import * as lifecycle from "./migrations/2026-11-23-002-lifecycle.js";
import * as subscriptions from "./migrations/2026-11-23-003-subscriptions.js";
import * as webhooks from "./migrations/2026-11-23-004-webhooks.js";
import * as entitlements from "./migrations/2026-11-23-005-entitlements.js";
import * as jobClaimIndexes from "./migrations/2026-11-23-006-job-claim-indexes.js";
import * as signingKeyLead from "./migrations/2026-12-03-007-signing-key-lead.js";
import * as health from "./migrations/2026-12-03-010-health.js";
import * as jobLeases from "./migrations/2026-12-03-015-job-leases.js";
import * as providerInbox from "./migrations/2026-12-03-020-provider-inbox.js";
import * as channels from "./migrations/2026-12-03-030-channels.js";
import * as eventLineage from "./migrations/2026-12-03-040-event-lineage.js";
import * as rateLimits from "./migrations/2026-12-03-060-rate-limits.js";
import * as users from "./migrations/2026-12-03-070-users.js";
import * as audit from "./migrations/2026-12-03-080-audit.js";
import * as jobClocks from "./migrations/2026-12-04-001-job-clocks.js";
import * as tenantRoles from "./migrations/2026-12-04-100-tenant-roles.js";
import * as passwordResets from "./migrations/2026-12-04-101-password-resets.js";
import * as tenantPlans from "./migrations/2026-12-04-102-tenant-plans.js";
import * as paymentRouting from "./migrations/2026-12-04-120-payment-routing.js";
import * as paymentDisputes from "./migrations/2026-12-04-121-payment-disputes.js";
import * as channelSettings from "./migrations/2026-12-04-150-channel-settings.js";
import * as invoicing from "./migrations/2026-12-04-200-invoicing.js";
import * as privacy from "./migrations/2026-12-04-230-privacy.js";
import * as consents from "./migrations/2026-12-04-231-consents.js";
import * as retention from "./migrations/2026-12-04-232-retention.js";
import * as trials from "./migrations/2026-12-04-233-trials.js";
import * as safeMode from "./migrations/2026-12-04-234-safe-mode.js";
import * as consoleSetup from "./migrations/2026-12-04-260-console-setup.js";
import * as paymentsPendingIndex from "./migrations/2026-12-05-300-payments-pending-index.js";
import * as paymentSettled from "./migrations/2026-12-05-301-payment-settled.js";
import * as priceTax from "./migrations/2026-12-05-360-price-tax.js";
import * as invoiceCancellation from "./migrations/2026-12-05-361-invoice-cancellation.js";
import * as campaigns from "./migrations/2026-12-05-380-campaigns.js";
import * as priceChanges from "./migrations/2026-12-05-400-price-changes.js";
import * as subscriptionsPriceIndex from "./migrations/2026-12-05-440-subscriptions-price-index.js";
import * as paymentCapture from "./migrations/2026-12-05-450-payment-capture.js";
import * as paymentTax from "./migrations/2026-12-05-460-payment-tax.js";
import * as usageRecordsByCustomer from "./migrations/2026-12-06-120-usage-records-by-customer.js";
import * as discountsAnnounced from "./migrations/2026-12-06-140-discounts-announced.js";
import * as partialHotIndexes from "./migrations/2026-12-06-160-partial-hot-indexes.js";
import * as eventAuditNotes from "./migrations/2026-12-06-180-event-audit-notes.js";
import * as jobClaimByTarget from "./migrations/2026-12-06-200-job-claim-by-target.js";
import { applyRowLevelSecurity } from "./rls-policies.js";
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
  "2026-12-03-060-rate-limits": rateLimits,
  "2026-12-03-070-users": users,
  "2026-12-03-010-health": health,
  "2026-12-03-020-provider-inbox": providerInbox,
  "2026-12-03-030-channels": channels,
  "2026-12-03-015-job-leases": jobLeases,
  "2026-12-03-040-event-lineage": eventLineage,
  "2026-12-03-007-signing-key-lead": signingKeyLead,
  "2026-12-03-080-audit": audit,
  "2026-12-04-001-job-clocks": jobClocks,
  "2026-12-04-100-tenant-roles": tenantRoles,
  "2026-12-04-101-password-resets": passwordResets,
  "2026-12-04-102-tenant-plans": tenantPlans,
  "2026-12-04-120-payment-routing": paymentRouting,
  "2026-12-04-150-channel-settings": channelSettings,
  "2026-12-04-200-invoicing": invoicing,
  "2026-12-04-230-privacy": privacy,
  "2026-12-04-231-consents": consents,
  "2026-12-04-232-retention": retention,
  "2026-12-04-260-console-setup": consoleSetup,
  "2026-12-04-121-payment-disputes": paymentDisputes,
  "2026-12-04-233-trials": trials,
  "2026-12-04-234-safe-mode": safeMode,
  "2026-12-05-300-payments-pending-index": paymentsPendingIndex,
  "2026-12-05-301-payment-settled": paymentSettled,
  "2026-12-05-400-price-changes": priceChanges,
  "2026-12-05-440-subscriptions-price-index": subscriptionsPriceIndex,
  "2026-12-05-460-payment-tax": paymentTax,
  "2026-12-05-450-payment-capture": paymentCapture,
  "2026-12-05-360-price-tax": priceTax,
  "2026-12-05-361-invoice-cancellation": invoiceCancellation,
  "2026-12-05-380-campaigns": campaigns,
  "2026-12-06-120-usage-records-by-customer": usageRecordsByCustomer,
  "2026-12-06-140-discounts-announced": discountsAnnounced,
  "2026-12-06-160-partial-hot-indexes": partialHotIndexes,
  "2026-12-06-180-event-audit-notes": eventAuditNotes,
  "2026-12-06-200-job-claim-by-target": jobClaimByTarget,
};

class StaticProvider implements MigrationProvider {
  async getMigrations() {
    return MIGRATIONS;
  }
}

export interface MigrationReport {
  applied: string[];
}

/**
 * Applies pending migrations as the connecting role, then (on Postgres) makes the row-level-security
 * policies again, so a table added by any migration is covered.
 */
export function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  return withOwnerAccess(async () => {
    const report = await migrate(db);
    if (db.getExecutor().adapter instanceof PostgresAdapter) await applyRowLevelSecurity(db);
    return report;
  });
}

async function migrate(db: Kysely<Database>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const cause = error instanceof Error ? error : new Error(String(error ?? "unknown"));
    throw new Error(`migration ${failed?.migrationName ?? "?"} failed: ${cause.message}`, { cause });
  }
  return { applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) };
}
