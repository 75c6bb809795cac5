import { type Deps, type Scope, withCorrelation } from "../../context.js";
import type { PaymentRow, SubscriptionRow } from "../../db/types.js";
import type { JobContext } from "../../jobs/worker.js";
import type { AuditEntry } from "../audit/service.js";
import { isFinal, type PaymentsService, withOutcome } from "../payments/service.js";
import {
  chargeMethod,
  pendingChangeOf,
  StaleWrite,
  type SubscriptionStore,
  type Write,
} from "../subscriptions/index.js";
import type { Applied, ChargeProtocol } from "./charge.js";
import { type ChargeTax, taxOf } from "./charge-tax.js";
import { decidePeriodEnd } from "./decisions.js";
import type { DiscountCharge } from "./discounts.js";
import { applyPeriodCharge, applyRetry, continueDunning, freePeriod, recover, startDunning } from "./outcomes.js";
import type { PriceTerms } from "./periods.js";
import { applyWithPriceChange, endingWith, priceChangeAt, withPriceChange } from "./price-change.js";
import type { CheckPayload, DunningPayload, PeriodEndPayload } from "./schedule.js";

export interface JobDeps {
  deps: Deps;
  store: SubscriptionStore;
  payments: PaymentsService;
  protocol: ChargeProtocol;
  terms(scope: Scope, priceId: string): Promise<PriceTerms>;
  retryDays(scope: Scope, row: SubscriptionRow): Promise<readonly number[]>;
  discount: DiscountCharge;
  tax: ChargeTax;
}

/** Handlers re-read and re-decide when they lose a compare-and-set; a few rounds settle any race. */
const ROUNDS = 4;

/** Another operation's charge is in flight: the job fails and the queue retries it later. */
function busy(row: SubscriptionRow): Error {
  return new Error(`subscription ${row.id} has payment ${row.inflight_payment_id} in flight; retrying later`);
}

function done(result: Applied): boolean {
  if (result.status === "conflict") return false;
  if (result.outcome.status === "unavailable")
    throw new Error(`no payment provider reachable: ${result.outcome.message}`);
  return true;
}

/** The jobs that move subscriptions through time (see schedule.ts). Each is idempotent. */
export function billingJobs(j: JobDeps) {
  const { db } = j.deps;

  /**
   * A storefront's settings, read once for the jobs claimed together (they change by API call, a
   * change applies from the next claimed batch; the payment row records where each charge went).
   */
  const settings = (ctx: JobContext, scope: Scope, row: SubscriptionRow) => ({
    route: () =>
      ctx.shared(`routing:${scope.environmentId}:${row.storefront_id}`, () =>
        j.payments.routing(scope, row.storefront_id),
      ),
    retryDays: () =>
      ctx.shared(`retry-days:${scope.environmentId}:${row.storefront_id}`, () => j.retryDays(scope, row)),
  });

  async function write(scope: Scope, row: SubscriptionRow, w: Write, ctx: JobContext): Promise<boolean> {
    return db.transaction().execute(async (tx) => {
      if (!(await j.store.write(tx, scope, row, w))) return false;
      // The job is done in the transaction of its change, saving the worker a statement of its own.
      await ctx.complete(tx);
      return true;
    });
  }

  /** Renewal, trial end, scheduled cancel, fixed-term end: one decision per period end. */
  async function periodEnd(ctx: JobContext): Promise<void> {
    const { job, payload } = ctx;
    const p = payload as PeriodEndPayload;
    if (!ctx.scope) return;
    // A renewal is a story of its own: everything it leads to carries this job's id.
    const scope = withCorrelation(j.deps, ctx.scope, job.id);
    for (let round = 0; round < ROUNDS; round++) {
      const row = await j.store.find(db, scope, p.subscription);
      if (!row || row.period_index !== p.period_index || row.current_period_end !== p.period_end) return;
      if (row.status !== "trial" && row.status !== "active") return;
      const now = scope.clock.now().toISOString();
      const current = await j.terms(scope, row.price_id);
      // A due price migration (price-change.ts) takes the place of the renewal's price, or cancels.
      const priceChange = priceChangeAt(row);
      const next = priceChange.kind === "apply" ? priceChange.price : pendingChangeOf(row)?.price;
      const decision = decidePeriodEnd(
        priceChange.kind === "cancel" ? { ...row, cancel_at_period_end: 1 } : row,
        current,
        next ? await j.terms(scope, next) : undefined,
      );
      const correlationId = job.id;
      const storefront = settings(ctx, scope, row);
      if (row.inflight_payment_id) {
        // Ours from an earlier run that died mid-way: finish it with the same key. Anyone else's: wait.
        const payment = await j.payments.find(db, scope, row.inflight_payment_id);
        if (!payment || payment.correlation_id !== correlationId || decision.kind !== "charge") throw busy(row);
        const apply = applyWithPriceChange(priceChange, applyPeriodCharge(decision, now, storefront.retryDays));
        if (done(await j.protocol.resume(scope, row, payment, apply, ctx.complete))) return;
        continue;
      }
      if (decision.kind === "cancel" || decision.kind === "expire") {
        const reason = priceChange.kind === "cancel" ? "price_change_not_consented" : "cancel_at_period_end";
        const w: Write = {
          move: decision.kind === "cancel" ? { event: "cancel", reason } : { event: "term_ended" },
          patch: { ended_at: row.current_period_end, pending_plan_change: null },
          correlationId,
          audit: [
            {
              kind: "decision",
              action: `period_end.${decision.kind}`,
              reason:
                priceChange.kind === "cancel"
                  ? priceChange.reason
                  : decision.kind === "cancel"
                    ? "cancel scheduled for the period end"
                    : "the fixed term ended",
              data: { period_index: row.period_index, period_end: row.current_period_end },
            },
          ],
        };
        if (await write(scope, row, { ...withPriceChange(endingWith(priceChange), w), correlationId }, ctx)) return;
        continue;
      }
      const kind = decision.conversion ? "trial_conversion" : "renewal";
      // The one place a renewal's amount meets discounts (modules/campaigns).
      const amount = await j.discount(scope, {
        subscriptionId: row.id,
        periodIndex: decision.periodIndex,
        kind,
        amount: decision.price.amount,
        currency: decision.price.currency,
      });
      if (amount === 0) {
        if (await write(scope, row, { ...withPriceChange(priceChange, freePeriod(decision, row)), correlationId }, ctx))
          return;
        continue;
      }
      // The tax hook: the last step of the period's amount (after any discount).
      const charge = await j.tax.taxed(
        scope,
        { storefront: row.storefront_id, customer: row.customer_id },
        decision.price,
        amount,
      );
      const result = await j.protocol.charge(
        scope,
        row,
        {
          kind,
          amount: charge.amount,
          tax: charge.tax,
          currency: decision.price.currency,
          periodIndex: decision.periodIndex,
          paymentMethod: chargeMethod(row),
          correlationId,
          initiator: "job",
          finish: ctx.complete,
          route: await storefront.route(),
        },
        applyWithPriceChange(priceChange, applyPeriodCharge(decision, now, storefront.retryDays)),
      );
      if (done(result)) return;
    }
    throw new Error(`subscription ${p.subscription} kept changing during its period end`);
  }

  /** One step of the dunning schedule: a retry charge, or the deadline of a grace without retries. */
  async function dunning(ctx: JobContext): Promise<void> {
    const { payload, scope } = ctx;
    const p = payload as DunningPayload;
    if (!scope) return;
    for (let round = 0; round < ROUNDS; round++) {
      const row = await j.store.find(db, scope, p.subscription);
      if (row?.status !== "grace" || row.period_index !== p.period_index || row.dunning_step !== p.step) return;
      const now = scope.clock.now().toISOString();
      const unpaid = row.unpaid_payment_id ? await j.payments.find(db, scope, row.unpaid_payment_id) : undefined;
      if (!unpaid) throw new Error(`subscription ${row.id} is in grace without an unpaid payment`);
      const terms = await j.terms(scope, row.price_id);
      const storefront = settings(ctx, scope, row);
      const apply = applyRetry(terms, now, p.step, storefront.retryDays);
      if (row.inflight_payment_id) {
        const payment = await j.payments.find(db, scope, row.inflight_payment_id);
        if (!payment || payment.correlation_id !== p.correlation_id || payment.period_index !== row.period_index)
          throw busy(row);
        if (done(await j.protocol.resume(scope, row, payment, apply, ctx.complete))) return;
        continue;
      }
      if (row.dunning_retryable !== 1) {
        const w = continueDunning(row, p.step, false, await storefront.retryDays(), p.correlation_id);
        if (await write(scope, row, { ...w, correlationId: p.correlation_id }, ctx)) return;
        continue;
      }
      // The card network's cap on reattempts: no more charges of this card, the grace runs out.
      const cap = await j.payments.networkRetryCapReached(
        scope,
        await storefront.route(),
        row.customer_id,
        chargeMethod(row),
      );
      if (cap.reached) {
        const w = continueDunning(row, p.step, false, await storefront.retryDays(), p.correlation_id);
        const capped: AuditEntry = {
          kind: "decision",
          action: "dunning.network_cap",
          reason: `${cap.brand} allows ${cap.cap} reattempts in 30 days; ${cap.declines} declines: no retry`,
          data: { brand: cap.brand, cap: cap.cap, declines: cap.declines },
          correlationId: p.correlation_id,
        };
        const audited = { ...w, audit: [capped, ...(w.audit ?? [])], correlationId: p.correlation_id };
        if (await write(scope, row, audited, ctx)) return;
        continue;
      }
      const result = await j.protocol.charge(
        scope,
        row,
        {
          kind: unpaid.kind,
          // A retry charges what the failed attempt asked, tax included.
          amount: Number(unpaid.amount),
          tax: taxOf(unpaid),
          currency: unpaid.currency,
          periodIndex: row.period_index,
          paymentMethod: chargeMethod(row),
          correlationId: p.correlation_id,
          initiator: "job",
          finish: ctx.complete,
          route: await storefront.route(),
        },
        apply,
      );
      if (done(result)) return;
    }
    throw new Error(`subscription ${p.subscription} kept changing during dunning`);
  }

  /** Resolves a payment whose outcome was unknown, and applies what it turned out to be. */
  async function check({ payload, scope }: JobContext): Promise<void> {
    const p = payload as CheckPayload;
    if (!scope) return;
    for (let round = 0; round < ROUNDS; round++) {
      const payment = await j.payments.find(db, scope, p.payment);
      if (payment?.status !== "pending") return;
      const row = payment.subscription_id ? await j.store.find(db, scope, payment.subscription_id) : undefined;
      // Still in flight: whoever reserved it finishes it (its job re-runs, or payment.settle).
      if (row?.inflight_payment_id === payment.id) return;
      // Another charge of the subscription is in flight: its apply must not lose its race to us.
      if (row?.inflight_payment_id) throw busy(row);
      const outcome = await j.payments.retrieve(scope, payment);
      // Pending, or the provider could not be asked now: the job retries later.
      if (!isFinal(outcome))
        throw new Error(`payment ${payment.id} is still pending at ${payment.provider} (${outcome.status})`);
      const now = scope.clock.now().toISOString();
      const settled = withOutcome(payment, outcome, now);
      const change = row ? await afterCheck(scope, row, settled, p, now) : undefined;
      const applied = await db
        .transaction()
        .execute(async (tx) => {
          if (!(await j.payments.settle(tx, scope, payment, outcome))) return true;
          if (!row || !change) return true;
          const next = await j.store.write(tx, scope, row, { ...change, correlationId: payment.correlation_id });
          if (!next) throw new StaleWrite(`subscription ${row.id} changed`);
          return true;
        })
        .catch((error: unknown) => {
          if (error instanceof StaleWrite) return false;
          throw error;
        });
      if (applied) return;
    }
    throw new Error(`payment ${p.payment}: its subscription kept changing`);
  }

  async function afterCheck(
    scope: Scope,
    row: SubscriptionRow,
    payment: PaymentRow,
    p: CheckPayload,
    now: string,
  ): Promise<Omit<Write, "correlationId">> {
    const samePeriod = row.period_index === payment.period_index;
    if (payment.status === "succeeded") {
      if (p.mode === "dunning" && samePeriod && (row.status === "grace" || row.status === "suspended")) {
        return recover(row, await j.terms(scope, row.price_id), now);
      }
    } else if (p.mode === "provisional" && samePeriod && (row.status === "active" || row.status === "trial")) {
      // Granted on credit, and the money did not come: into dunning like any failed renewal.
      return startDunning(row, payment, row.period_index, now, await j.retryDays(scope, row));
    } else if (p.mode === "dunning" && samePeriod && row.status === "grace" && p.resume_step !== null) {
      return continueDunning(
        row,
        p.resume_step,
        payment.retryable === 1,
        await j.retryDays(scope, row),
        payment.correlation_id,
      );
    }
    return { patch: { payment_check_at: null } };
  }

  /** Gives back the money of an API request that died between charging and recording. */
  async function settle({ payload, scope }: JobContext): Promise<void> {
    const { payment: id } = payload as { payment: string };
    if (!scope) return;
    const payment = await j.payments.find(db, scope, id);
    if (!payment) return;
    const row = payment.subscription_id ? await j.store.find(db, scope, payment.subscription_id) : undefined;
    if (row && row.inflight_payment_id !== payment.id) return;
    if (payment.status === "pending") {
      await j.payments.voidAbandoned(scope, payment, "the API request that made it did not complete");
    }
    if (row)
      await j.store.writeNow(scope, row, {
        patch: { inflight_payment_id: null },
        correlationId: payment.correlation_id,
      });
  }

  return { periodEnd, dunning, check, settle };
}
