import type { Payment, PaymentListQuery, ProviderConfig, RefundPayment } from "@tessera/core";
import { type Deps, loggerFor, type Scope } from "../../context.js";
import type { Db, PaymentRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { newId } from "../../lib/ids.js";
import { type Page, toPage } from "../../lib/pagination.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import { type Adapters, adaptersOf } from "./adapters.js";
import { type ChargeOutcome, isFinal, type NewAttempt, type Routing, toPayment, withOutcome } from "./model.js";
import { notProcessed, type PaymentOutcome, ProviderUnavailableError, type RetrieveOutcome } from "./provider.js";
import { refundPayment, voidAbandoned } from "./refunds.js";
import type { PaymentProviderRegistry } from "./registry.js";
import * as repo from "./repo.js";

export { type ChargeOutcome, isFinal, type NewAttempt, type Routing, toPayment, withOutcome };

/**
 * Payment attempts and their routing. A caller reserves an attempt (a `pending` row written in
 * its own transaction), runs it with `execute` outside any transaction, and records the outcome
 * with `settle` in the transaction that applies it; billing/charge.ts holds the whole protocol.
 */
export function paymentsService(
  deps: Deps,
  o: {
    registry: PaymentProviderRegistry;
    storefronts: Pick<StorefrontsService, "paymentSettings" | "providerCredentials">;
    events: Pick<EventsService, "record">;
  },
) {
  const { db } = deps;
  const { registry, storefronts, events } = o;
  const adapters: Adapters = adaptersOf(registry, storefronts);

  async function requirePayment(scope: Scope, id: string): Promise<PaymentRow> {
    const row = await repo.findPayment(db, scope, id);
    if (!row) throw notFound("payment", id);
    return row;
  }

  async function routing(scope: Scope, storefrontId: string): Promise<Routing> {
    const storefront = await storefronts.paymentSettings(scope, storefrontId);
    return { storefrontId: storefront.id, providers: storefront.payment_providers.filter((p) => registry.has(p.name)) };
  }

  // Checks before a new charge (safe mode): each throws to hold it. Resumed attempts are not new.
  const chargeGuards: Array<(scope: Scope, route: Routing) => Promise<void>> = [];

  function requireProvider(route: Routing): ProviderConfig {
    const first = route.providers[0];
    if (!first) {
      throw new ApiError(
        "UNPROCESSABLE",
        `Storefront ${route.storefrontId} has no payment provider this server can use (registered: ${registry.names().join(", ")})`,
      );
    }
    return first;
  }

  /** Records an outcome on a pending attempt; undefined when someone else settled it first. */
  async function settle(
    tx: Db,
    scope: Scope,
    payment: PaymentRow,
    outcome: ChargeOutcome,
    patch: Partial<PaymentRow> = {},
  ) {
    const next = { ...withOutcome(payment, outcome, scope.clock.now().toISOString()), ...patch };
    // Always a column to set, even when a pending outcome changes nothing else (the CAS still runs).
    const changes: Partial<PaymentRow> = { status: next.status, updated_at: next.updated_at };
    for (const key of Object.keys(next) as Array<keyof PaymentRow>) {
      if (next[key] !== payment[key]) (changes as Record<string, unknown>)[key] = next[key];
    }
    // Not once the settle job has claimed it to give the money back (repo.ABANDONING).
    if (!(await repo.updatePaymentIf(tx, scope, payment.id, { status: "pending", abandoning: false }, changes)))
      return undefined;
    const type =
      next.status === "succeeded"
        ? "payment.succeeded"
        : next.status === "failed"
          ? "payment.failed"
          : "payment.pending";
    await events.record(tx, scope, { type, object: toPayment(next), correlationId: next.correlation_id });
    return next;
  }

  return {
    /** A check every new charge passes first (safe mode registers one). Call once, when built. */
    registerChargeGuard(guard: (scope: Scope, route: Routing) => Promise<void>): void {
      chargeGuards.push(guard);
    },

    /** Throws when a guard holds new charges on this route (before anything is reserved). */
    async assertMayCharge(scope: Scope, route: Routing): Promise<void> {
      for (const guard of chargeGuards) await guard(scope, route);
    },
    registry,
    routing,
    settle,

    /** Refuses a storefront with no provider this server can route to. */
    requireProvider,

    /** A new attempt, routed to the first provider; refused when the storefront has none we can use. */
    newAttempt(scope: Scope, route: Routing, a: NewAttempt): PaymentRow {
      const first = requireProvider(route);
      const now = scope.clock.now().toISOString();
      return {
        id: newId("payment"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        customer_id: a.customer,
        storefront_id: route.storefrontId,
        subscription_id: a.subscription,
        kind: a.kind,
        amount: a.amount,
        currency: a.currency,
        status: "pending",
        refunded_amount: 0,
        provider: first.name,
        provider_reference: null,
        failure_code: null,
        failure_message: null,
        retryable: null,
        period_index: a.periodIndex,
        attempt: a.attempt,
        payment_method: a.paymentMethod,
        idempotency_key: `${a.keyOwner}:p${a.periodIndex}:a${a.attempt}`,
        correlation_id: a.correlationId,
        created_at: now,
        updated_at: now,
      };
    },

    insertAttempt: (tx: Db, row: PaymentRow) => repo.insertPayment(tx, row),

    /**
     * Charges a reserved attempt. With `failover`, a provider that is certainly down hands the
     * attempt to the next one (recorded on the row first). A resumed attempt (after a crash) must
     * not fail over: its first provider may have charged before the crash.
     */
    async execute(
      scope: Scope,
      route: Routing,
      payment: PaymentRow,
      options: { failover: boolean },
    ): Promise<{ payment: PaymentRow; outcome: ChargeOutcome }> {
      const start = route.providers.findIndex((p) => p.name === payment.provider);
      const chain = start >= 0 ? route.providers.slice(start) : [adapters.fallbackConfig(payment.provider)];
      let current = payment;
      for (let i = 0; i < chain.length; i++) {
        const config = chain[i]!;
        let outcome: PaymentOutcome;
        try {
          outcome = await adapters.get(config.name).charge(adapters.context(scope, route.storefrontId, config), {
            idempotencyKey: current.idempotency_key,
            amount: Number(current.amount),
            currency: current.currency,
            paymentMethod: current.payment_method,
            customer: current.customer_id,
            onSession: false,
          });
        } catch (error) {
          if (!(error instanceof ProviderUnavailableError)) throw error;
          outcome = {
            status: "error",
            reference: null,
            code: "provider_unavailable",
            message: error.message,
            vendor: { code: null, raw: null },
          };
        }
        // The request's or job's logger: this line carries its correlation id (context.ts).
        loggerFor(deps, scope).info(
          { payment: current.id, provider: config.name, amount: Number(current.amount), outcome: outcome.status },
          "payment provider charge",
        );
        // Only a request the provider certainly did not process may move on; never after it was sent.
        if (!notProcessed(outcome)) return { payment: current, outcome };
        const { message } = outcome;
        const next = chain[i + 1];
        if (!options.failover || !next) return { payment: current, outcome: { status: "unavailable", message } };
        loggerFor(deps, scope).warn(
          { payment: current.id, from: config.name, to: next.name, reason: message },
          "payment provider failover",
        );
        const now = scope.clock.now().toISOString();
        const moved = await repo.updatePaymentIf(
          db,
          scope,
          current.id,
          { status: "pending", provider: config.name, abandoning: false },
          { provider: next.name, updated_at: now },
        );
        if (!moved) throw new Error(`payment ${current.id} changed while failing over`);
        current = { ...current, provider: next.name };
      }
      throw new Error("unreachable: empty provider chain");
    },

    /** What the provider says now about an attempt (resolves `pending`). */
    async retrieve(scope: Scope, payment: PaymentRow): Promise<RetrieveOutcome> {
      return adapters.retrieve(scope, await routing(scope, payment.storefront_id), payment);
    },

    /** Gives back a charge whose operation never completed (the process died mid-way). */
    async voidAbandoned(scope: Scope, payment: PaymentRow, reason: string): Promise<PaymentRow | undefined> {
      return voidAbandoned(
        { db, events, adapters, settle },
        scope,
        await routing(scope, payment.storefront_id),
        payment,
        reason,
      );
    },

    async refund(scope: Scope, id: string, input: RefundPayment): Promise<Payment> {
      const row = await requirePayment(scope, id);
      const refunded = await refundPayment(
        { db, events, adapters },
        scope,
        await routing(scope, row.storefront_id),
        row,
        input,
      );
      return toPayment(refunded ?? (await requirePayment(scope, id)));
    },

    async get(scope: Scope, id: string): Promise<Payment> {
      return toPayment(await requirePayment(scope, id));
    },

    /**
     * Attempt numbers count every charge of a period (renewal, retries, prorations), so each gets
     * an idempotency key of its own; read from the stored attempts, never guessed.
     */
    nextAttempt: async (d: Db, scope: Scope, subscriptionId: string, periodIndex: number) =>
      (await repo.lastAttempt(d, scope, subscriptionId, periodIndex)) + 1,
    find: (d: Db, scope: Scope, id: string) => repo.findPayment(d, scope, id),
    listByIds: (d: Db, scope: Scope, ids: string[]) => repo.listPaymentsByIds(d, scope, ids),
    customerHasPayments: (d: Db, scope: Scope, customerId: string) => repo.customerHasPayments(d, scope, customerId),

    async list(scope: Scope, query: PaymentListQuery): Promise<Page<Payment>> {
      const result = await repo.pagePayments(db, scope, query, {
        customerId: query.customer,
        subscriptionId: query.subscription,
        status: query.status,
      });
      return toPage(result, toPayment);
    },
  };
}

export type PaymentsService = ReturnType<typeof paymentsService>;
