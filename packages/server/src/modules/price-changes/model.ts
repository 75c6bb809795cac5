import type { PriceChangeStatus, PriceMigration, SubscriptionPriceChange } from "@tessera/core";
import type { PriceMigrationRow, SubscriptionPriceChangeRow } from "../../db/types.js";

export function toMigration(row: PriceMigrationRow, counts: Map<PriceChangeStatus, number>): PriceMigration {
  return {
    id: row.id,
    object: "price_migration",
    bundle: row.bundle_id,
    from_price: row.from_price_id,
    to_price: row.to_price_id,
    strategy: row.strategy,
    notice_days: row.notice_days,
    on_no_consent: row.on_no_consent,
    text_version: row.text_version,
    storefront: row.storefront_id,
    status: row.status,
    // Counted by what the run did; a change's later steps (consented, applied …) still count as reached.
    counts: {
      scheduled: row.strategy === "notify" ? reached(counts) : 0,
      awaiting_consent: row.strategy === "require_consent" ? reached(counts) : 0,
      grandfathered: counts.get("grandfathered") ?? 0,
      skipped: counts.get("skipped") ?? 0,
    },
    created_at: row.created_at,
    completed_at: row.completed_at,
  };
}

function reached(counts: Map<PriceChangeStatus, number>): number {
  let n = 0;
  for (const [status, count] of counts) if (status !== "grandfathered" && status !== "skipped") n += count;
  return n;
}

export function toChange(row: SubscriptionPriceChangeRow): SubscriptionPriceChange {
  return {
    id: row.id,
    object: "subscription_price_change",
    migration: row.migration_id,
    subscription: row.subscription_id,
    customer: row.customer_id,
    from_price: row.from_price_id,
    to_price: row.to_price_id,
    status: row.status,
    reason: row.reason,
    effective_at: row.effective_at,
    consent: row.consent_record_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
