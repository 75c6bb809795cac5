import type { CheckEntitlement, EntitlementCheck, RecordUsage, UsageRecord } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { EntitlementRow } from "../../db/types.js";
import { ApiError, isUniqueViolation } from "../../errors.js";
import { newId } from "../../lib/ids.js";
import { fromJson } from "../../lib/json.js";
import type { CatalogService } from "../catalog/service.js";
import type { Resolve } from "./effective.js";
import type { UsageRecordRow } from "./repo.js";
import * as repo from "./repo.js";
import { toUsageRecord } from "./usage-records.js";
import { quotaWindow } from "./windows.js";

// A use reported with a timestamp a little ahead of the environment's clock is client clock skew;
// further ahead it is a mistake.
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

export interface UsageDeps {
  catalog: Pick<CatalogService, "findEntitlementsByKeys">;
  resolve: Resolve;
}

function fieldError(path: string, message: string): ApiError {
  return new ApiError("VALIDATION_FAILED", message, { errors: [{ path, message }] });
}

/** Metered use (POST /usage) and checks that may consume (POST /entitlements/check). */
export function usageOperations({ db }: Deps, { catalog, resolve }: UsageDeps) {
  async function quotaEntitlement(scope: Scope, key: string): Promise<EntitlementRow> {
    const [row] = await catalog.findEntitlementsByKeys(scope, [key]);
    if (!row) throw fieldError("entitlement", `no entitlement "${key}" in this environment`);
    if (row.kind !== "quota") throw fieldError("entitlement", `"${key}" is a ${row.kind} entitlement, not a quota`);
    return row;
  }

  return {
    /**
     * Records use in the window its timestamp falls in. Recorded use is a fact, so it is counted
     * even past the limit (a check with `consume` is the way to refuse). An idempotency key records
     * a use once, forever: a replay answers the first record with `duplicate: true`.
     */
    async recordUsage(
      scope: Scope,
      customerId: string,
      input: RecordUsage,
      headerKey?: string,
    ): Promise<{ record: UsageRecord; created: boolean }> {
      const resolved = await resolve(scope, customerId);
      const customer = resolved.customer;
      const entitlement = await quotaEntitlement(scope, input.entitlement);
      const nowDate = scope.clock.now();
      const at = input.timestamp === undefined ? nowDate : new Date(input.timestamp);
      if (Number.isNaN(at.getTime())) throw fieldError("timestamp", "must be an ISO-8601 time");
      if (at.getTime() > nowDate.getTime() + FUTURE_TOLERANCE_MS) throw fieldError("timestamp", "is in the future");
      const window = quotaWindow((entitlement.period as Parameters<typeof quotaWindow>[0]) ?? "month", at);
      const idempotencyKey = input.idempotency_key ?? headerKey ?? null;
      const current = resolved.entitlements.find((e) => e.entitlementId === entitlement.id);
      const row: UsageRecordRow = {
        id: newId("usage"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        customer_id: customer.id,
        entitlement_id: entitlement.id,
        quantity: input.quantity,
        window_start: window.start.toISOString(),
        occurred_at: at.toISOString(),
        idempotency_key: idempotencyKey,
        source: "usage",
        created_at: nowDate.toISOString(),
      };
      const toRecord = (r: UsageRecordRow, used: number, duplicate: boolean): UsageRecord =>
        toUsageRecord(r, { entitlement, used, limit: current?.limit ?? null, duplicate });
      try {
        const used = await db.transaction().execute(async (tx) => {
          await repo.insertUsageRecord(tx, row);
          return repo.addUsage(
            tx,
            scope,
            { customerId: customer.id, entitlementId: entitlement.id, windowStart: row.window_start },
            input.quantity,
            row.created_at,
          );
        });
        return { record: toRecord(row, used, false), created: true };
      } catch (error) {
        if (!idempotencyKey || !isUniqueViolation(error)) throw error;
        const first = await repo.findUsageByIdempotencyKey(db, scope, customer.id, idempotencyKey);
        if (!first) throw error;
        if (first.entitlement_id !== entitlement.id || Number(first.quantity) !== input.quantity) {
          throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This idempotency key recorded a different use");
        }
        const [counter] = await repo.listCounters(db, scope, customer.id, [
          { entitlementId: first.entitlement_id, windowStart: first.window_start },
        ]);
        return { record: toRecord(first, Number(counter?.used ?? 0), true), created: false };
      }
    },

    /** Decisions are data: a refusal is `allowed: false` with a code, never an error. */
    async check(scope: Scope, customerId: string, input: CheckEntitlement): Promise<EntitlementCheck> {
      const resolved = await resolve(scope, customerId);
      const base = {
        object: "entitlement_check" as const,
        customer: resolved.customer.id,
        entitlement: input.entitlement,
        consumed: 0,
        limit: null,
        used: null,
        remaining: null,
        resets_at: null,
        level: null,
      };
      const [catalogRow] = await catalog.findEntitlementsByKeys(scope, [input.entitlement]);
      if (!catalogRow) return { ...base, allowed: false, code: "UNKNOWN_ENTITLEMENT", kind: null };
      const kind = catalogRow.kind;
      if (input.level !== undefined) {
        if (kind !== "tier") throw fieldError("level", `only for tier entitlements; "${catalogRow.key}" is a ${kind}`);
        if (!fromJson<string[]>(catalogRow.levels, []).includes(input.level)) {
          throw fieldError("level", `"${input.level}" is not a level of "${catalogRow.key}"`);
        }
      }
      if (input.content_id !== undefined && kind !== "content") {
        throw fieldError("content_id", `only for content entitlements; "${catalogRow.key}" is a ${kind}`);
      }
      const e = resolved.entitlements.find((x) => x.entitlementId === catalogRow.id);
      if (!e) return { ...base, allowed: false, code: "NOT_ENTITLED", kind };

      if (kind === "tier") {
        const levels = e.levels ?? [];
        const ok = input.level === undefined || (e.rank ?? -1) >= levels.indexOf(input.level);
        return { ...base, kind, level: e.level, allowed: ok, code: ok ? "OK" : "TIER_TOO_LOW" };
      }
      if (kind === "content") {
        const ok = input.content_id === undefined || (e.content ?? []).includes(input.content_id);
        return { ...base, kind, allowed: ok, code: ok ? "OK" : "CONTENT_NOT_GRANTED" };
      }
      if (kind !== "quota") return { ...base, kind, allowed: true, code: "OK" };

      const limit = e.limit ?? 0;
      const quota = { ...base, kind, limit, resets_at: e.resetsAt };
      if (!input.consume) {
        const used = e.used ?? 0;
        const ok = used + input.quantity <= limit;
        const remaining = Math.max(0, limit - used);
        return { ...quota, used, remaining, allowed: ok, code: ok ? "OK" : "QUOTA_EXCEEDED" };
      }
      const now = scope.clock.now().toISOString();
      const counterKey = {
        customerId: resolved.customer.id,
        entitlementId: e.entitlementId,
        windowStart: e.windowStart!,
      };
      const used = await db.transaction().execute(async (tx) => {
        const after = await repo.consumeUsage(tx, scope, counterKey, input.quantity, limit, now);
        if (after === undefined) return undefined;
        await repo.insertUsageRecord(tx, {
          id: newId("usage"),
          tenant_id: scope.tenantId,
          environment_id: scope.environmentId,
          customer_id: resolved.customer.id,
          entitlement_id: e.entitlementId,
          quantity: input.quantity,
          window_start: counterKey.windowStart,
          occurred_at: now,
          idempotency_key: null,
          source: "check",
          created_at: now,
        });
        return after;
      });
      if (used === undefined) {
        const [counter] = await repo.listCounters(db, scope, resolved.customer.id, [counterKey]);
        const seen = Number(counter?.used ?? 0);
        return { ...quota, used: seen, remaining: Math.max(0, limit - seen), allowed: false, code: "QUOTA_EXCEEDED" };
      }
      return {
        ...quota,
        used,
        remaining: Math.max(0, limit - used),
        consumed: input.quantity,
        allowed: true,
        code: "OK",
      };
    },
  };
}
