import type { EraseCustomer, PrivacyExportArchive, PrivacyRequest } from "@tessera/core";
import { sql } from "kysely";
import { type Deps, type Scope, SYSTEM_ACTOR } from "../../context.js";
import type { ScopeIds } from "../../db/scope.js";
import type { Database, Db, PrivacyRequestRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { CustomersService } from "../customers/service.js";
import type { EventsService } from "../events/service.js";
import type { SubscriptionsService } from "../subscriptions/service.js";
import type { ErasureCounts, PrivacyHandler, PrivacySubject, Pruner, RetentionRule } from "./handler.js";
import { privacyRequestsHandler } from "./privacy.js";
import * as repo from "./repo.js";

export const EXPORT_JOB = "privacy.export";
/** How long a built archive waits to be downloaded before it is deleted. */
export const ARCHIVE_TTL_MS = 7 * 24 * 60 * 60_000;
const ENDED = new Set(["cancelled", "expired"]);

export function toPrivacyRequest(row: PrivacyRequestRow): PrivacyRequest {
  return {
    id: row.id,
    object: "privacy_request",
    customer: row.customer_id,
    kind: row.kind,
    status: row.status,
    report: fromJson(row.report, null),
    created_at: row.created_at,
    completed_at: row.completed_at,
    expires_at: row.expires_at,
    downloaded_at: row.downloaded_at,
  };
}

/**
 * Exports and erasures of a customer's data across every module (docs/privacy.md). Each module
 * registers one `PrivacyHandler`; this service gathers the subject from all of them, then asks
 * each to export or erase its own tables.
 */
export function privacyService(
  deps: Deps,
  o: {
    customers: Pick<CustomersService, "requireCustomer" | "registerCustomerUsage">;
    subscriptions: Pick<SubscriptionsService, "list" | "cancel">;
    events: Pick<EventsService, "record">;
    jobs: JobRegistry;
  },
) {
  const { db } = deps;
  const handlers: PrivacyHandler[] = [privacyRequestsHandler];
  const purpose = (id: string) => `privacy-export/${id}`;
  // A customer with privacy requests keeps its row (the requests name it): erased, never deleted.
  o.customers.registerCustomerUsage(
    async (d, scope, customerId) => (await repo.listCustomerRequests(d, scope, customerId)).length > 0,
  );

  async function subjectOf(d: Db, scope: ScopeIds, customerId: string): Promise<PrivacySubject> {
    const objectIds: string[] = [];
    const personalValues: string[] = [];
    for (const h of handlers) {
      if (h.objectIds) objectIds.push(...(await h.objectIds(d, scope, customerId)));
      if (h.personalValues) personalValues.push(...(await h.personalValues(d, scope, customerId)));
    }
    return { customerId, objectIds, personalValues: [...new Set(personalValues)] };
  }

  async function requireRequest(scope: ScopeIds, id: string): Promise<PrivacyRequestRow> {
    const row = await repo.findRequest(db, scope, id);
    if (!row) throw notFound("privacy request", id);
    return row;
  }

  async function buildArchive(scope: Scope, customerId: string): Promise<PrivacyExportArchive> {
    const subject = await subjectOf(db, scope, customerId);
    const modules: Record<string, unknown> = {};
    for (const h of handlers) modules[h.module] = await h.export(db, scope, subject);
    return { format: "tessera.privacy-export/1", customer: customerId, generated_at: isoNow(scope.clock), modules };
  }

  o.jobs.register(EXPORT_JOB, async ({ job, payload, scope, complete }) => {
    if (!scope) throw new Error(`${EXPORT_JOB} needs a scope`);
    const { request } = payload as { request: string };
    const row = await repo.findRequest(db, scope, request);
    if (row?.status !== "pending") return;
    const archive = await buildArchive(scope, row.customer_id).catch(async (error: unknown) => {
      // The last attempt: the request says it failed rather than staying pending for ever.
      if (job.attempts >= job.max_attempts) {
        await repo.updateRequestIf(db, scope, row.id, "pending", {
          status: "failed",
          completed_at: isoNow(scope.clock),
        });
      }
      throw error;
    });
    const now = isoNow(scope.clock);
    await db.transaction().execute(async (tx) => {
      const patch = {
        status: "ready" as const,
        archive_encrypted: deps.secrets.seal(toJson(archive), purpose(row.id)),
        completed_at: now,
        expires_at: new Date(scope.clock.now().getTime() + ARCHIVE_TTL_MS).toISOString(),
      };
      if (!(await repo.updateRequestIf(tx, scope, row.id, "pending", patch))) return;
      const ready = toPrivacyRequest({ ...row, ...patch });
      await o.events.record(tx, scope, { type: "customer.privacy_export_ready", object: ready });
      await complete(tx);
    });
  });

  return {
    /** Called once per module when the app is built; a table belongs to one handler. */
    register(handler: PrivacyHandler): void {
      for (const existing of handlers) {
        if (existing.module === handler.module) throw new Error(`privacy handler ${handler.module} registered twice`);
        const shared = handler.tables.filter((t) => existing.tables.includes(t));
        if (shared.length)
          throw new Error(`tables ${shared.join(", ")} claimed by ${existing.module} and ${handler.module}`);
      }
      handlers.push(handler);
    },

    /** Each retention rule's pruners, from the handlers that own the tables. */
    retentionRules(): Record<RetentionRule, Pruner[]> {
      const rules: Record<RetentionRule, Pruner[]> = {
        webhook_delivery_logs: [],
        channel_raw: [],
        usage_records: [],
        events: [],
      };
      for (const h of handlers) {
        for (const [rule, prune] of Object.entries(h.retention ?? {}) as Array<[RetentionRule, Pruner]>) {
          if (prune) rules[rule].push(prune);
        }
      }
      return rules;
    },

    /** Every table some handler exports and erases, with its module. */
    coverage(): Map<keyof Database, string> {
      return new Map(handlers.flatMap((h) => h.tables.map((t) => [t, h.module] as const)));
    },

    async requestExport(scope: Scope, customerId: string): Promise<PrivacyRequest> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      const now = isoNow(scope.clock);
      const row: PrivacyRequestRow = {
        id: newId("privacy_request"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        customer_id: customer.id,
        kind: "export",
        status: "pending",
        options: "{}",
        archive_encrypted: null,
        report: null,
        actor: toJson(scope.actor ?? SYSTEM_ACTOR),
        created_at: now,
        completed_at: null,
        expires_at: null,
        downloaded_at: null,
      };
      await db.transaction().execute(async (tx) => {
        await repo.insertRequest(tx, row);
        await enqueueJob(tx, now, {
          type: EXPORT_JOB,
          payload: { request: row.id },
          runAt: now,
          scope,
          dedupeKey: `${EXPORT_JOB}:${row.id}`,
        });
      });
      return toPrivacyRequest(row);
    },

    async getRequest(scope: Scope, id: string): Promise<PrivacyRequest> {
      return toPrivacyRequest(await requireRequest(scope, id));
    },

    async listRequests(scope: Scope, customerId: string): Promise<PrivacyRequest[]> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      return (await repo.listCustomerRequests(db, scope, customer.id)).map(toPrivacyRequest);
    },

    /** The archive, once: the caller that takes it deletes it (410 for everyone after). */
    async downloadArchive(scope: Scope, id: string): Promise<PrivacyExportArchive> {
      const row = await requireRequest(scope, id);
      const now = isoNow(scope.clock);
      const unavailable = () =>
        new ApiError(
          "EXPORT_NOT_AVAILABLE",
          `The archive of ${id} is ${row.status === "pending" ? "not ready yet" : row.status}`,
        );
      if (row.status !== "ready" || !row.archive_encrypted) throw unavailable();
      if (row.expires_at !== null && row.expires_at <= now) {
        await repo.expireArchives(db, scope, now);
        throw new ApiError("EXPORT_NOT_AVAILABLE", `The archive of ${id} expired at ${row.expires_at}`);
      }
      const taken = await repo.updateRequestIf(db, scope, id, "ready", {
        status: "downloaded",
        archive_encrypted: null,
        downloaded_at: now,
      });
      if (!taken) throw new ApiError("EXPORT_NOT_AVAILABLE", `The archive of ${id} was downloaded already`);
      return JSON.parse(deps.secrets.open(row.archive_encrypted, purpose(id))) as PrivacyExportArchive;
    },

    /**
     * Erases the customer's personal data in every module, in one transaction, after cancelling
     * their active subscriptions (or refusing, as the caller chose). Vendor-managed subscriptions
     * cannot be cancelled from here: they are unlinked (channels handler) and the vendor is the one
     * to stop charging.
     */
    async erase(scope: Scope, customerId: string, input: EraseCustomer): Promise<PrivacyRequest> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      const active = [];
      for (let cursor: string | undefined; ; ) {
        const page = await o.subscriptions.list(scope, {
          customer: customer.id,
          limit: 100,
          ...(cursor ? { starting_after: cursor } : {}),
        });
        active.push(...page.data.filter((s) => !ENDED.has(s.status)));
        if (!page.has_more || page.data.length === 0) break;
        cursor = page.data[page.data.length - 1]!.id;
      }
      if (active.length > 0 && input.active_subscriptions === "refuse") {
        throw new ApiError(
          "CUSTOMER_HAS_ACTIVE_SUBSCRIPTIONS",
          `Customer ${customer.id} has ${active.length} active subscription(s); cancel them first or send active_subscriptions: "cancel"`,
          { errors: active.map((s) => ({ path: "active_subscriptions", message: `${s.id} is ${s.status}` })) },
        );
      }
      for (const s of active)
        if (s.channel === "direct") await o.subscriptions.cancel(scope, s.id, { at_period_end: false });

      // Gathered before the transaction: on SQLite it holds the only connection.
      const subject = await subjectOf(db, scope, customer.id);
      const now = isoNow(scope.clock);
      const request = await db.transaction().execute(async (tx) => {
        const report: Record<string, ErasureCounts> = {};
        for (const h of handlers) report[h.module] = await h.erase(tx, scope, subject);
        const row: PrivacyRequestRow = {
          id: newId("privacy_request"),
          tenant_id: scope.tenantId,
          environment_id: scope.environmentId,
          customer_id: customer.id,
          kind: "erase",
          status: "completed",
          options: toJson(input),
          archive_encrypted: null,
          report: toJson(report),
          actor: toJson(scope.actor ?? SYSTEM_ACTOR),
          created_at: now,
          completed_at: now,
          expires_at: null,
          downloaded_at: null,
        };
        await repo.insertRequest(tx, row);
        const erased = toPrivacyRequest(row);
        await o.events.record(tx, scope, { type: "customer.erased", object: erased });
        return erased;
      });
      // SQLite runs with secure_delete (db/connect.ts): freed cells are zeroed; the WAL is
      // checkpointed and truncated so no older page image keeps a copy.
      if (deps.dialect === "sqlite") await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
      return request;
    },
  };
}

export type PrivacyService = ReturnType<typeof privacyService>;
