import type { CustomerEntitlement, CustomerEntitlementsUpdate, Event, EventType } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { ApiError } from "../../errors.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { EventsService } from "../events/service.js";
import { type Resolved, toCustomerEntitlements } from "./effective.js";
import * as pushRepo from "./push-repo.js";
import * as repo from "./repo.js";

export const PUSH_JOB = "entitlements.push";
export const RECHECK_JOB = "entitlements.recheck";

/** Events after which a customer's effective entitlements may differ. */
const TRIGGERS: readonly EventType[] = [
  "subscription.created",
  "subscription.trial_started",
  "subscription.activated",
  // Not `subscription.renewed`: a renewal alone keeps the bundle and a granting status.
  "subscription.grace_started",
  "subscription.recovered",
  "subscription.suspended",
  "subscription.cancel_scheduled",
  "subscription.cancel_unscheduled",
  "subscription.cancelled",
  "subscription.expired",
  "subscription.plan_changed",
  "grant.created",
  "grant.revoked",
  "bundle.updated",
];

/** What an entitlement is worth, without usage: a quota being used is not a change. */
type Value = Pick<CustomerEntitlement, "kind" | "level" | "limit" | "period" | "content">;

function valuesOf(entitlements: CustomerEntitlement[]): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const e of entitlements) {
    out[e.key] = {
      kind: e.kind,
      level: e.level,
      limit: e.limit,
      period: e.period,
      content: e.content ? [...e.content].sort() : null,
    };
  }
  return out;
}

export function diffValues(before: Record<string, Value>, after: Record<string, Value>) {
  const added = Object.keys(after).filter((k) => !(k in before));
  const removed = Object.keys(before).filter((k) => !(k in after));
  const changed = Object.keys(after).filter((k) => k in before && toJson(before[k]) !== toJson(after[k]));
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

/**
 * Entitlement pushes (issue 8, 4b): an events consumer that, after a change committed, resolves
 * the customer's effective entitlements and compares them with the set it last pushed; when they
 * differ it records one `customer.entitlements_updated` with the new set and what changed. It
 * always compares the *current* state, so duplicates and out-of-order events converge and say
 * nothing twice. A grant expiring has no event of its own: each push schedules a recheck at the
 * next grant expiry, by the environment's clock.
 */
export function createEntitlementPush(
  deps: Deps,
  {
    resolve,
    events,
    jobs,
  }: {
    resolve: (scope: Scope, customerId: string) => Promise<Resolved>;
    events: Pick<EventsService, "record" | "subscribe">;
    jobs: JobRegistry;
  },
) {
  const { db, dialect, clock } = deps;

  async function resolveIfExists(scope: Scope, customerId: string): Promise<Resolved | undefined> {
    try {
      return await resolve(scope, customerId);
    } catch (error) {
      if (error instanceof ApiError && error.code === "NOT_FOUND") return undefined;
      throw error;
    }
  }

  /** Pushes the customer's set if it changed; returns the event when one was recorded. */
  async function push(scope: Scope, customerId: string): Promise<Event | undefined> {
    // SQLite has one connection: resolving inside the transaction would wait on itself. It also has
    // one writer, so resolving just before is as safe; Postgres resolves under the row lock.
    const early = dialect === "postgres" ? undefined : await resolveIfExists(scope, customerId);
    if (dialect !== "postgres" && !early) return undefined;
    const { event, resolved } = await db.transaction().execute(async (tx) => {
      const previous = await pushRepo.lockPushedState(tx, dialect, scope, customerId, isoNow(clock));
      const resolved = early ?? (await resolveIfExists(scope, customerId));
      if (!resolved) return { event: undefined, resolved };
      const view = toCustomerEntitlements(resolved);
      const after = valuesOf(view.entitlements);
      const diff = diffValues(fromJson<Record<string, Value>>(previous, {}), after);
      if (!diff.added.length && !diff.removed.length && !diff.changed.length) return { event: undefined, resolved };
      const { object: _object, ...rest } = view;
      const object: CustomerEntitlementsUpdate = { id: customerId, object: "customer_entitlements", ...rest, ...diff };
      const event = await events.record(tx, scope, { type: "customer.entitlements_updated", object });
      await pushRepo.savePushedState(tx, customerId, toJson(after), event.id, isoNow(clock));
      return { event, resolved };
    });
    if (resolved) await scheduleRecheck(scope, customerId, resolved.asOf);
    return event;
  }

  /**
   * A grant expiring is the one change no event announces (subscription changes at period end
   * come with their own events, quota resets are usage): recheck when the next grant expires.
   */
  async function scheduleRecheck(scope: Scope, customerId: string, now: string) {
    const grants = await repo.listActiveGrants(db, scope, customerId, now);
    const at = grants
      .map((g) => g.expires_at)
      .filter((t): t is string => t !== null)
      .sort()[0];
    if (!at) return;
    await enqueueJob(db, isoNow(clock), {
      type: RECHECK_JOB,
      payload: { customer_id: customerId },
      runAt: at,
      scope,
      // One recheck per customer and instant, however many pushes found it.
      dedupeKey: `${RECHECK_JOB}:${customerId}:${at}`,
    });
  }

  events.subscribe({
    name: "entitlements-push",
    types: TRIGGERS,
    async handle(scope, event) {
      const object = event.data.object;
      if (event.type !== "bundle.updated") {
        if (typeof object.customer === "string") await push(scope, object.customer);
        return;
      }
      // A bundle edited: each of its customers is pushed by a job of its own.
      for (const customerId of await pushRepo.listCustomersOfBundle(db, scope, String(object.id))) {
        await enqueueJob(db, isoNow(clock), {
          type: PUSH_JOB,
          payload: { customer_id: customerId },
          runAt: isoNow(clock),
          scope,
          clock: "wall",
          dedupeKey: `${PUSH_JOB}:${customerId}:${event.id}`,
        });
      }
    },
  });

  const byJob = async ({ payload, scope }: { payload: unknown; scope: Scope | undefined }) => {
    const { customer_id } = payload as { customer_id: string };
    if (scope) await push(scope, customer_id);
  };
  jobs.register(PUSH_JOB, byJob);
  jobs.register(RECHECK_JOB, byJob);

  return { pushEntitlements: push };
}
