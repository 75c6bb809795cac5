import type { CreatePrice, Price, UpdatePrice } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { PriceRow } from "../../db/types.js";
import { newId } from "../../lib/ids.js";

export function toPrice(row: PriceRow): Price {
  return {
    id: row.id,
    object: "price",
    bundle: row.bundle_id,
    currency: row.currency,
    amount: row.amount,
    interval: row.interval,
    interval_count: row.interval_count,
    trial_days: row.trial_days,
    term_count: row.term_count,
    nickname: row.nickname,
    tax_code: row.tax_code,
    tax_behavior: row.tax_behavior,
    status: row.status,
    created_at: row.created_at,
  };
}

export function newPriceRow(scope: Scope, bundleId: string, input: CreatePrice, now: string): PriceRow {
  return {
    id: newId("price"),
    tenant_id: scope.tenantId,
    environment_id: scope.environmentId,
    bundle_id: bundleId,
    currency: input.currency,
    amount: input.amount,
    interval: input.interval,
    interval_count: input.interval_count,
    trial_days: input.trial_days,
    term_count: input.term_count ?? null,
    nickname: input.nickname ?? null,
    tax_code: input.tax_code,
    tax_behavior: input.tax_behavior ?? null,
    status: "active",
    created_at: now,
  };
}

/** Only the name and the status of a price change; what it charges is fixed at creation. */
export function pricePatch(input: UpdatePrice): Partial<Pick<PriceRow, "status" | "nickname">> {
  return {
    ...(input.status !== undefined && { status: input.status }),
    ...(input.nickname !== undefined && { nickname: input.nickname }),
  };
}
