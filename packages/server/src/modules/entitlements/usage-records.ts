import type { Interval, UsageListQuery, UsageRecord } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { EntitlementRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { type Page, toPage } from "../../lib/pagination.js";
import type { CatalogService } from "../catalog/service.js";
import type { Resolve } from "./effective.js";
import type { UsageRecordRow } from "./repo.js";
import * as repo from "./repo.js";
import { quotaWindow } from "./windows.js";

/** What a record says beyond its row: the window's use now and the customer's current limit. */
export interface UsageContext {
  entitlement: Pick<EntitlementRow, "key" | "period">;
  used: number;
  limit: number | null;
  duplicate: boolean;
}

export function toUsageRecord(r: UsageRecordRow, { entitlement, used, limit, duplicate }: UsageContext): UsageRecord {
  const period = (entitlement.period as Interval | null) ?? "month";
  return {
    id: r.id,
    object: "usage_record",
    customer: r.customer_id,
    entitlement: entitlement.key,
    quantity: Number(r.quantity),
    timestamp: r.occurred_at,
    window_start: r.window_start,
    window_end: quotaWindow(period, new Date(r.window_start)).end.toISOString(),
    idempotency_key: r.idempotency_key,
    source: r.source,
    duplicate,
    used,
    limit,
    remaining: limit === null ? null : Math.max(0, limit - used),
    created_at: r.created_at,
  };
}

export interface UsageListDeps {
  catalog: Pick<CatalogService, "findEntitlement">;
  resolve: Resolve;
}

function filterError(path: string, message: string): ApiError {
  return new ApiError("VALIDATION_FAILED", `${path.replace("query.", "")} ${message}`, { errors: [{ path, message }] });
}

/** A customer's usage records (GET /v1/customers/{id}/usage): what was recorded and what checks took. */
export function usageListing({ db }: Deps, { catalog, resolve }: UsageListDeps) {
  return {
    async listUsage(scope: Scope, customerId: string, query: UsageListQuery): Promise<Page<UsageRecord>> {
      // The resolution answers 404 for a customer of another scope, and gives the current limits.
      const resolved = await resolve(scope, customerId);
      const customer = resolved.customer;
      const from = query.from === undefined ? undefined : new Date(query.from).toISOString();
      const to = query.to === undefined ? undefined : new Date(query.to).toISOString();
      if (from !== undefined && to !== undefined && from >= to) throw filterError("query.to", "must be after from");
      let only: EntitlementRow | undefined;
      if (query.entitlement !== undefined) {
        only = await catalog.findEntitlement(scope, query.entitlement);
        if (!only) throw filterError("query.entitlement", `no entitlement "${query.entitlement}" in this environment`);
      }
      const result = await repo.pageUsageRecords(
        db,
        scope,
        customer.id,
        { entitlementId: only?.id, from, to },
        { limit: query.limit, starting_after: query.starting_after },
      );

      const ids = [...new Set(result.rows.map((r) => r.entitlement_id))];
      const found = await Promise.all(ids.map((id) => (id === only?.id ? only : catalog.findEntitlement(scope, id))));
      const entitlements = new Map(found.flatMap((e) => (e ? [[e.id, e] as const] : [])));
      const windows = [...new Map(result.rows.map((r) => [`${r.entitlement_id} ${r.window_start}`, r])).values()];
      const counters = await repo.listCounters(
        db,
        scope,
        customer.id,
        windows.map((r) => ({ entitlementId: r.entitlement_id, windowStart: r.window_start })),
      );
      return toPage(result, (r) => {
        const entitlement = entitlements.get(r.entitlement_id);
        // A record goes with its entitlement (foreign key, cascade): it is always found.
        if (!entitlement) throw new Error(`usage record ${r.id}: entitlement ${r.entitlement_id} is missing`);
        const counter = counters.find(
          (c) => c.entitlement_id === r.entitlement_id && c.window_start === r.window_start,
        );
        const current = resolved.entitlements.find((e) => e.entitlementId === r.entitlement_id);
        return toUsageRecord(r, {
          entitlement,
          used: Number(counter?.used ?? 0),
          limit: current?.limit ?? null,
          duplicate: false,
        });
      });
    },
  };
}
