import type { Deps, Scope } from "../../context.js";
import type { PriceMigrationRow, SubscriptionPriceChangeRow, SubscriptionRow } from "../../db/types.js";
import type { JobContext } from "../../jobs/worker.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import type { AuditEntry } from "../audit/service.js";
import type { PriceTerms } from "../billing/index.js";
import type { EventsService } from "../events/service.js";
import { StaleWrite } from "../subscriptions/index.js";
import type { SubscriptionsService } from "../subscriptions/service.js";
import { toMigration } from "./model.js";
import { pendingState, planFor, type SubscriptionPlan } from "./plan.js";
import * as repo from "./repo.js";

export const RUN_JOB = "price_migration.run";

/** Subscriptions per batch; the cursor is saved after each, so a crashed run redoes at most one. */
const BATCH = 100;
/** Compare-and-set rounds per subscription before the job gives up and the queue retries it. */
const ROUNDS = 4;

interface RunDeps {
  subscriptions: Pick<SubscriptionsService, "store" | "billing" | "listOnPrice">;
  events: Pick<EventsService, "record">;
}

function decision(m: PriceMigrationRow, plan: SubscriptionPlan, changeId: string): AuditEntry {
  return {
    kind: "decision",
    action: `price_change.${plan.status}`,
    reason:
      plan.status === "scheduled"
        ? `price migration ${m.id}: notified, the new price applies from ${plan.effectiveAt}`
        : plan.status === "awaiting_consent"
          ? `price migration ${m.id}: the new price applies from ${plan.effectiveAt} if the customer consents`
          : `price migration ${m.id}`,
    data: { price_change: changeId, migration: m.id, from_price: m.from_price_id, to_price: m.to_price_id },
  };
}

/**
 * The run of a migration: goes through the old price's subscribers by id, from the saved cursor.
 * Each subscription is one transaction: its change row (unique per migration: a second run inserts
 * nothing and changes nothing) and, when the change is pending, the subscription's write (a
 * compare-and-set: a renewal or API change in between makes it decide again on the fresh row).
 */
export function migrationRun(deps: Deps, o: RunDeps) {
  const { db } = deps;

  async function reach(scope: Scope, m: PriceMigrationRow, to: PriceTerms, cycle: PriceTerms, row: SubscriptionRow) {
    for (let round = 0; round < ROUNDS; round++) {
      const fresh = round === 0 ? row : await o.subscriptions.store.find(db, scope, row.id);
      if (!fresh || fresh.price_id !== m.from_price_id) return;
      const now = isoNow(scope.clock);
      const written = await db
        .transaction()
        .execute(async (tx) => {
          const open = (await repo.findOpenChange(tx, scope, fresh.id)) !== undefined;
          const terms = { strategy: m.strategy, noticeDays: m.notice_days ?? 0 };
          const plan = planFor(fresh, terms, cycle, now, open);
          const change: SubscriptionPriceChangeRow = {
            id: newId("price_change"),
            tenant_id: scope.tenantId,
            environment_id: scope.environmentId,
            migration_id: m.id,
            subscription_id: fresh.id,
            customer_id: fresh.customer_id,
            from_price_id: m.from_price_id,
            to_price_id: m.to_price_id,
            status: plan.status,
            reason: plan.status === "skipped" ? plan.reason : null,
            effective_at: "effectiveAt" in plan ? plan.effectiveAt : null,
            consent_record_id: null,
            created_at: now,
            updated_at: now,
          };
          if (!(await repo.insertChange(tx, change))) return true;
          if (!("effectiveAt" in plan)) return true;
          const state = pendingState(
            { id: change.id, migration: m.id, from: m.from_price_id, price: to.id, bundle: to.bundle },
            plan,
            { onNoConsent: m.on_no_consent, textVersion: m.text_version },
          );
          const next = await o.subscriptions.store.write(tx, scope, fresh, {
            patch: { pending_price_change: toJson(state) },
            events: ["subscription.price_change_scheduled"],
            audit: [decision(m, plan, change.id)],
            correlationId: m.id,
          });
          if (!next) throw new StaleWrite(`subscription ${fresh.id} changed`);
          return true;
        })
        .catch((error: unknown) => {
          if (error instanceof StaleWrite) return false;
          throw error;
        });
      if (written) return;
    }
    throw new Error(`subscription ${row.id} kept changing during price migration ${m.id}`);
  }

  return async (ctx: JobContext): Promise<void> => {
    const { scope } = ctx;
    const { migration } = ctx.payload as { migration: string };
    if (!scope) return;
    let m = await repo.findMigration(db, scope, migration);
    if (m?.status !== "running") return;
    const cycle = await o.subscriptions.billing.terms(scope, m.from_price_id);
    const to = await o.subscriptions.billing.terms(scope, m.to_price_id);
    for (;;) {
      const batch = await o.subscriptions.listOnPrice(db, scope, m.from_price_id, {
        storefrontId: m.storefront_id,
        after: m.cursor,
        limit: BATCH,
      });
      for (const row of batch) await reach(scope, m, to, cycle, row);
      if (batch.length > 0) {
        const cursor = batch.at(-1)!.id;
        await repo.saveCursor(db, scope, m.id, cursor);
        m = { ...m, cursor };
      }
      if (batch.length < BATCH) break;
      // The worker is shutting down: the saved cursor is where the queue's retry continues.
      if (ctx.signal.aborted) throw new Error(`price migration ${m.id} stopped at ${m.cursor}; resuming later`);
    }
    const done = m;
    await db.transaction().execute(async (tx) => {
      if (!(await repo.completeMigration(tx, scope, done.id, isoNow(scope.clock)))) return;
      const completed = await repo.findMigration(tx, scope, done.id);
      await o.events.record(tx, scope, {
        type: "price_migration.completed",
        object: toMigration(completed!, await repo.countChanges(tx, scope, done.id)),
        correlationId: done.id,
      });
    });
  };
}
