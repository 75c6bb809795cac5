import type { Actor, ConsentRecord, CurrentConsents, RecordConsent } from "@tessera/core";
import { type Deps, type Scope, SYSTEM_ACTOR } from "../../context.js";
import { inScope, type ScopeIds } from "../../db/scope.js";
import type { ConsentRecordRow, Db } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { CustomersService } from "../customers/service.js";
import type { EventsService } from "../events/service.js";
import * as repo from "./repo.js";

export function toConsent(row: ConsentRecordRow): ConsentRecord {
  return {
    id: row.id,
    object: "consent",
    customer: row.customer_id,
    purpose: row.purpose,
    status: row.status,
    text_version: row.text_version,
    method: row.method,
    occurred_at: row.occurred_at,
    collected_by: row.collected_by,
    recorded_by: fromJson<Actor | null>(row.actor, null),
    metadata: fromJson(row.metadata, {}),
    created_at: row.created_at,
  };
}

/** The latest record per purpose (rows in the customer's order: occurred_at, then id). */
export function currentOf(rows: readonly ConsentRecordRow[]): CurrentConsents {
  const current: CurrentConsents = {};
  for (const row of rows) {
    current[row.purpose] = {
      status: row.status,
      text_version: row.text_version,
      occurred_at: row.occurred_at,
      record: row.id,
    };
  }
  return current;
}

/**
 * Consent records (docs/privacy.md "Consent"): append-only; a withdrawal is a new record, never an
 * edit, so the history shows what the customer agreed to, when, how, through whom and to which
 * version of the text. Each record is an event (`consent.granted` / `consent.withdrawn`), so
 * webhooks and the audit trail follow every change.
 */
export function consentsService(
  deps: Deps,
  o: {
    customers: Pick<CustomersService, "requireCustomer" | "registerCustomerUsage">;
    events: Pick<EventsService, "record">;
  },
) {
  const { db } = deps;
  // Consent records are proof: a customer with any is kept (and erased instead of deleted).
  o.customers.registerCustomerUsage(async (d, scope, customerId) => {
    const row = await d
      .selectFrom("consent_records")
      .select("id")
      .where(inScope(scope))
      .where("customer_id", "=", customerId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  });

  /** Writes the record and its event in the caller's transaction. */
  async function recordIn(tx: Db, scope: Scope, customerId: string, input: RecordConsent): Promise<ConsentRecord> {
    const now = isoNow(scope.clock);
    const occurredAt = input.occurred_at ? new Date(input.occurred_at) : scope.clock.now();
    if (Number.isNaN(occurredAt.getTime()) || occurredAt.toISOString() > now) {
      throw new ApiError("VALIDATION_FAILED", "occurred_at must be a past ISO-8601 time", {
        errors: [{ path: "occurred_at", message: "must be an ISO-8601 time, not in the future" }],
      });
    }
    const row: ConsentRecordRow = {
      id: newId("consent"),
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      customer_id: customerId,
      purpose: input.purpose,
      status: input.status,
      text_version: input.text_version,
      method: input.method,
      occurred_at: occurredAt.toISOString(),
      collected_by: input.collected_by ?? null,
      actor: toJson(scope.actor ?? SYSTEM_ACTOR),
      metadata: toJson(input.metadata ?? {}),
      created_at: now,
    };
    const consent = toConsent(row);
    await repo.insertConsent(tx, row);
    await o.events.record(tx, scope, {
      type: row.status === "granted" ? "consent.granted" : "consent.withdrawn",
      object: consent,
    });
    return consent;
  }

  return {
    async record(scope: Scope, customerId: string, input: RecordConsent): Promise<ConsentRecord> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      return db.transaction().execute((tx) => recordIn(tx, scope, customer.id, input));
    },

    /**
     * For other modules (a price change's answer): the record in the caller's transaction, beside the
     * change it answers. The caller has checked the customer (it owns the subscription).
     */
    recordIn,

    async current(scope: Scope, customerId: string): Promise<CurrentConsents> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      return currentOf(await repo.listCustomerConsents(db, scope, customer.id));
    },

    /** For other modules (price changes, messaging): whether the customer's latest word on `purpose` is yes. */
    async hasConsent(d: Db, scope: ScopeIds, customerId: string, purpose: string): Promise<boolean> {
      return currentOf(await repo.listCustomerConsents(d, scope, customerId))[purpose]?.status === "granted";
    },

    async history(
      scope: Scope,
      customerId: string,
      query: PageQuery & { purpose?: string | undefined },
    ): Promise<Page<ConsentRecord>> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      return toPage(await repo.pageConsents(db, scope, customer.id, query, query.purpose), toConsent);
    },
  };
}

export type ConsentsService = ReturnType<typeof consentsService>;
