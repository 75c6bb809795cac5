import { addMonths, type RetentionPolicy, type RetentionRun, type UpdateRetentionPolicy } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { RetentionPolicyRow, RetentionRunRow } from "../../db/types.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { EventsService } from "../events/service.js";
import { customersWhoseSubscriptionsEndedBefore } from "../subscriptions/index.js";
import type { RetentionRule } from "./handler.js";
import * as repo from "./repo.js";
import type { PrivacyService } from "./service.js";

export const RETENTION_SWEEP_JOB = "privacy.retention_sweep";
export const RETENTION_JOB = "privacy.retention";
const DAY_MS = 24 * 60 * 60_000;

/** Rules in the order they run: delivery logs go before the events they list through. */
const RULES: ReadonlyArray<
  [RetentionRule, "webhook_delivery_log_days" | "channel_raw_days" | "usage_record_days" | "event_days"]
> = [
  ["webhook_delivery_logs", "webhook_delivery_log_days"],
  ["channel_raw", "channel_raw_days"],
  ["usage_records", "usage_record_days"],
  ["events", "event_days"],
];

function toPolicy(row: RetentionPolicyRow | undefined): RetentionPolicy {
  return {
    object: "retention_policy",
    webhook_delivery_log_days: row?.webhook_delivery_log_days ?? null,
    channel_raw_days: row?.channel_raw_days ?? null,
    usage_record_days: row?.usage_record_days ?? null,
    event_days: row?.event_days ?? null,
    anonymize_after_months: row?.anonymize_after_months ?? null,
    updated_at: row?.updated_at ?? null,
  };
}

function toRun(row: RetentionRunRow): RetentionRun {
  return {
    id: row.id,
    object: "retention_run",
    policy: fromJson(row.policy, toPolicy(undefined)),
    report: fromJson(row.report, {}),
    ran_at: row.ran_at,
  };
}

/**
 * Retention per environment (docs/privacy.md "Retention"). A daily sweep schedules one run per
 * environment with a policy; each rule is applied by the module owning the table (its privacy
 * handler's `retention`), and the run's report is kept and sent as `retention.applied`.
 *
 * The audit trail is not pruned here: it is a hash chain whose verification starts from its first
 * record, so deleting a prefix needs a signed checkpoint as the new anchor (the migration's
 * AUDIT-RETENTION-BYPASS is the way in, the anchoring is the audit module's to build). Audit
 * records hold no personal data (redact.ts), so erasure does not need it either.
 */
export function retentionService(
  deps: Deps,
  o: {
    privacy: Pick<PrivacyService, "erase" | "retentionRules">;
    events: Pick<EventsService, "record">;
    jobs: JobRegistry;
    scopeOf: (environmentId: string) => Promise<Scope | undefined>;
  },
) {
  const { db } = deps;

  async function findPolicy(scope: Scope): Promise<RetentionPolicyRow | undefined> {
    return db.selectFrom("retention_policies").selectAll().where(inScope(scope)).executeTakeFirst();
  }

  async function apply(scope: Scope): Promise<RetentionRun> {
    const policy = toPolicy(await findPolicy(scope));
    const now = scope.clock.now();
    const report: Record<string, number> = {};
    const rules = o.privacy.retentionRules();
    for (const [rule, field] of RULES) {
      const days = policy[field];
      if (days === null) continue;
      const before = new Date(now.getTime() - days * DAY_MS).toISOString();
      report[rule] = 0;
      for (const prune of rules[rule]) {
        report[rule] += await db.transaction().execute((tx) => prune(tx, scope, before));
      }
    }
    if (policy.anonymize_after_months !== null) {
      const before = addMonths(now, -policy.anonymize_after_months).toISOString();
      const ended = await customersWhoseSubscriptionsEndedBefore(db, scope, before);
      const erased = new Set(await repo.listErasedCustomers(db, scope));
      report.customers_anonymized = 0;
      for (const customerId of ended.filter((id) => !erased.has(id))) {
        await o.privacy.erase(scope, customerId, { active_subscriptions: "refuse" });
        report.customers_anonymized++;
      }
    }
    report.export_archives_expired = await repo.expireArchives(db, scope, now.toISOString());
    const row: RetentionRunRow = {
      id: newId("retention_run"),
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      policy: toJson(policy),
      report: toJson(report),
      ran_at: isoNow(scope.clock),
    };
    const run = toRun(row);
    await db.transaction().execute(async (tx) => {
      await tx.insertInto("retention_runs").values(row).execute();
      await o.events.record(tx, scope, { type: "retention.applied", object: run });
    });
    return run;
  }

  async function scheduleSweep(afterMs = 0): Promise<void> {
    const now = deps.clock.now();
    const at = new Date(now.getTime() + afterMs);
    await enqueueJob(db, now.toISOString(), {
      type: RETENTION_SWEEP_JOB,
      payload: {},
      runAt: at.toISOString(),
      clock: "wall",
      dedupeKey: `${RETENTION_SWEEP_JOB}:${Math.floor(at.getTime() / DAY_MS)}`,
    });
  }

  // Daily, across tenants (the worker claims with system access): one scoped run per policy.
  o.jobs.register(RETENTION_SWEEP_JOB, async () => {
    const now = deps.clock.now();
    for (const { environment_id } of await db.selectFrom("retention_policies").select("environment_id").execute()) {
      const scope = await o.scopeOf(environment_id);
      if (!scope) continue;
      await enqueueJob(db, now.toISOString(), {
        type: RETENTION_JOB,
        payload: {},
        runAt: now.toISOString(),
        clock: "wall",
        scope,
        dedupeKey: `${RETENTION_JOB}:${environment_id}:${Math.floor(now.getTime() / DAY_MS)}`,
      });
    }
    await scheduleSweep(DAY_MS);
  });

  o.jobs.register(RETENTION_JOB, async ({ scope }) => {
    if (!scope) throw new Error(`${RETENTION_JOB} needs a scope`);
    await apply(scope);
  });

  return {
    /** Starts the daily sweep (the long-running worker does, once). */
    scheduleSweep: () => scheduleSweep(),

    async getPolicy(scope: Scope): Promise<RetentionPolicy> {
      return toPolicy(await findPolicy(scope));
    },

    async updatePolicy(scope: Scope, input: UpdateRetentionPolicy): Promise<RetentionPolicy> {
      const current = toPolicy(await findPolicy(scope));
      const row: RetentionPolicyRow = {
        environment_id: scope.environmentId,
        tenant_id: scope.tenantId,
        webhook_delivery_log_days: input.webhook_delivery_log_days ?? current.webhook_delivery_log_days,
        channel_raw_days: input.channel_raw_days ?? current.channel_raw_days,
        usage_record_days: input.usage_record_days ?? current.usage_record_days,
        event_days: input.event_days ?? current.event_days,
        anonymize_after_months: input.anonymize_after_months ?? current.anonymize_after_months,
        updated_at: isoNow(scope.clock),
      };
      // null in the body turns a rule off: `??` above would keep the old value.
      for (const key of Object.keys(input) as Array<keyof UpdateRetentionPolicy>) {
        if (input[key] === null) row[key] = null;
      }
      await db
        .insertInto("retention_policies")
        .values(row)
        .onConflict((oc) => oc.column("environment_id").doUpdateSet(row))
        .execute();
      return toPolicy(row);
    },

    /** Applies the environment's policy now (the daily job does the same). */
    apply,

    async listRuns(scope: Scope): Promise<RetentionRun[]> {
      const rows = await db
        .selectFrom("retention_runs")
        .selectAll()
        .where(inScope(scope))
        .orderBy("id", "desc")
        .limit(100)
        .execute();
      return rows.map(toRun);
    },
  };
}

export type RetentionService = ReturnType<typeof retentionService>;
