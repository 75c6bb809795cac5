import type { PaymentKind, PaymentTax, RoutingDecision } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { Db, PaymentRow, SubscriptionRow } from "../../db/types.js";
import type { EnqueueJob } from "../../jobs/queue.js";
import { fromJson } from "../../lib/json.js";
import type { AuditEntry } from "../audit/service.js";
import { type ChargeOutcome, type PaymentsService, type Routing, withOutcome } from "../payments/service.js";
import { StaleWrite, type SubscriptionStore, type Write } from "../subscriptions/index.js";
import { taxAudit } from "./charge-tax.js";
import { pspTarget } from "./schedule.js";

/*
 * The at-most-once charge protocol for an existing subscription:
 *
 *   1. reserve  (transaction): compare-and-set the subscription (version), mark the attempt in
 *               flight on it, and insert the payment row `pending` under its deterministic key
 *               `<subscription>:p<period>:a<attempt>`. Only one reservation per attempt can win.
 *   2. execute  (no transaction): ask the provider, with that key. A re-run after a crash asks
 *               again with the same key and gets the same outcome: no second charge.
 *   3. apply    (transaction): settle the payment (compare-and-set on its status) and write the
 *               subscription (compare-and-set on its version) with its events and jobs.
 *
 * While an attempt is in flight, API changes to the subscription answer 409, so nothing can move
 * it between charge and apply. Who finishes an attempt whose process died? A job finishes its own
 * (it is re-run from the queue and resumes the attempt it finds in flight); an API request cannot
 * be resumed, so step 1 also schedules a `payment.settle` job that gives the money back if the
 * request never got to step 3.
 */

export const SETTLE_JOB = "payment.settle";
/** Wall time after which an API-initiated attempt still in flight is considered abandoned. */
export const SETTLE_AFTER_MS = 10 * 60_000;

export interface Attempt {
  kind: PaymentKind;
  amount: number;
  /** The tax in `amount` for a tax-exclusive price (charge-tax.ts), kept on the payment. */
  tax?: PaymentTax | null;
  currency: string;
  periodIndex: number;
  paymentMethod: string;
  correlationId: string | null;
  initiator: "api" | "job";
  /** Runs in the transaction that applies the outcome (a job marks itself done there). */
  finish?: (tx: Db) => Promise<void>;
  /** The storefront's routing when the caller has it (a job shares it with its batch). */
  route?: Routing;
}

/** Decides the subscription write for an outcome. Runs before the apply transaction, so it may read. */
export type Apply = (
  payment: PaymentRow,
  outcome: ChargeOutcome,
  row: SubscriptionRow,
) => Promise<Omit<Write, "correlationId">>;

export type Applied =
  | { status: "applied"; outcome: ChargeOutcome; row: SubscriptionRow; payment: PaymentRow }
  /** Another writer got there first; re-read and decide again. */
  | { status: "conflict" };

export function settleJob(payment: PaymentRow, wallNow: Date): EnqueueJob {
  return {
    type: SETTLE_JOB,
    payload: { payment: payment.id },
    runAt: new Date(wallNow.getTime() + SETTLE_AFTER_MS).toISOString(),
    clock: "wall",
    dedupeKey: `${SETTLE_JOB}:${payment.id}`,
    target: pspTarget(payment),
  };
}

/**
 * The routing decision (which providers were in line, which one charged, after a failover or not)
 * joins the write's audit entries, after the decisions that led to the charge and before its outcome.
 */
function withRouting(w: Omit<Write, "correlationId">, route: Routing, reserved: PaymentRow, charged: PaymentRow) {
  if (!w.audit?.length) return w;
  const decision = fromJson<RoutingDecision | null>(reserved.routing, null);
  const routing: AuditEntry = {
    kind: "decision",
    action: "payment.routing",
    object: { id: charged.id, object: "payment" },
    reason:
      (decision?.reason ?? "storefront order") +
      (reserved.provider === charged.provider ? "" : `; failover from ${reserved.provider}`),
    data: {
      storefront: route.storefrontId,
      providers: decision
        ? decision.candidates.filter((c) => c.eligible).map((c) => c.provider)
        : route.providers.map((p) => p.name),
      chosen: charged.provider,
    },
  };
  const tax = taxAudit(reserved);
  const firstOutcome = w.audit.findIndex((e) => e.kind === "outcome");
  const at = firstOutcome < 0 ? w.audit.length : firstOutcome;
  return { ...w, audit: [...w.audit.slice(0, at), ...(tax ? [tax] : []), routing, ...w.audit.slice(at)] };
}

export function chargeProtocol(
  deps: Deps,
  { store, payments }: { store: SubscriptionStore; payments: PaymentsService },
) {
  const { db } = deps;

  async function complete(
    scope: Scope,
    row: SubscriptionRow,
    route: Routing,
    reserved: PaymentRow,
    failover: boolean,
    apply: Apply,
    finish?: (tx: Db) => Promise<void>,
  ): Promise<Applied> {
    const { payment, outcome } = await payments.execute(scope, route, reserved, { failover });
    // A resumed attempt must not be marked failed: its provider may have charged before the crash.
    if (outcome.status === "unavailable" && !failover)
      throw new Error(`${payment.provider} unavailable: ${outcome.message}`);
    const settledPreview = withOutcome(payment, outcome, scope.clock.now().toISOString());
    const w = withRouting(await apply(settledPreview, outcome, row), route, reserved, payment);
    return db.transaction().execute(async (tx): Promise<Applied> => {
      const settled = await payments.settle(tx, scope, payment, outcome);
      if (!settled) return { status: "conflict" };
      const next = await store.write(tx, scope, row, {
        ...w,
        patch: { ...w.patch, inflight_payment_id: null },
        latestPayment: settled.id === (w.patch?.latest_payment_id ?? row.latest_payment_id) ? settled : undefined,
        correlationId: payment.correlation_id,
      });
      // The payment was ours to settle, so nobody else may have written the row: roll both back.
      if (!next) throw new StaleWrite(`subscription ${row.id} changed while ${payment.id} was in flight`);
      // An unreachable provider is retried by the job, so the job is not done.
      if (outcome.status !== "unavailable") await finish?.(tx);
      return { status: "applied", outcome, row: next, payment: settled };
    });
  }

  return {
    complete,

    /** Reserve, execute and apply one attempt. */
    async charge(scope: Scope, row: SubscriptionRow, a: Attempt, apply: Apply): Promise<Applied> {
      const route = a.route ?? (await payments.routing(scope, row.storefront_id));
      // Safe mode: held before anything is reserved (a job waits in the queue, see jobs/queue.ts Deferral).
      await payments.assertMayCharge(scope, route);
      const payment = await payments.newAttempt(scope, route, {
        customer: row.customer_id,
        subscription: row.id,
        kind: a.kind,
        amount: a.amount,
        tax: a.tax ?? null,
        currency: a.currency,
        paymentMethod: a.paymentMethod,
        periodIndex: a.periodIndex,
        attempt: await payments.nextAttempt(db, scope, row.id, a.periodIndex),
        keyOwner: row.id,
        correlationId: a.correlationId,
      });
      const reserved = await db.transaction().execute(async (tx) => {
        const next = await store.write(tx, scope, row, {
          patch: { inflight_payment_id: payment.id, latest_payment_id: payment.id },
          correlationId: a.correlationId,
          latestPayment: payment,
        });
        if (!next) return undefined;
        await payments.insertAttempt(tx, payment);
        if (a.initiator === "api") await store.schedule(tx, scope, settleJob(payment, deps.clock.now()));
        return next;
      });
      if (!reserved) return { status: "conflict" };
      return complete(scope, reserved, route, payment, true, apply, a.finish);
    },

    /** Finishes an attempt found in flight (its process died after reserving it). */
    async resume(
      scope: Scope,
      row: SubscriptionRow,
      payment: PaymentRow,
      apply: Apply,
      finish?: (tx: Db) => Promise<void>,
    ): Promise<Applied> {
      return complete(scope, row, await payments.routing(scope, row.storefront_id), payment, false, apply, finish);
    },
  };
}

export type ChargeProtocol = ReturnType<typeof chargeProtocol>;
