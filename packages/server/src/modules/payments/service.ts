import type {
  CapturePayment,
  CreatePayment,
  Customer,
  Dispute,
  DisputeListQuery,
  Payment,
  PaymentAttempt,
  PaymentChannel,
  PaymentKind,
  PaymentListQuery,
  ProviderConfig,
  RefundPayment,
  RoutingDecision,
} from "@tessera/core";
import { type Deps, loggerAt, loggerFor, type Scope } from "../../context.js";
import type { Db, PaymentRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, toPage } from "../../lib/pagination.js";
import type { AuditRecorder } from "../audit/service.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import { type Adapters, adaptersOf } from "./adapters.js";
import { type BuyerDetails, buyerOf } from "./buyer.js";
import { capturePayment, voidPayment } from "./capture.js";
import { getDispute, listDisputes } from "./disputes.js";
import { paymentMethodsService } from "./methods.js";
import { type ChargeOutcome, isFinal, type NewAttempt, type Routing, toPayment, withOutcome } from "./model.js";
import { AUTHORIZATION_EXPIRY_JOB, createOneOff } from "./one-off.js";
import {
  type Buyer,
  notProcessed,
  type PaymentOutcome,
  ProviderUnavailableError,
  type RetrieveOutcome,
} from "./provider.js";
import { refundPayment, voidAbandoned } from "./refunds.js";
import type { PaymentProviderRegistry } from "./registry.js";
import * as repo from "./repo.js";
import { routingAdmin } from "./routing/admin.js";
import { failoverOrder } from "./routing/decide.js";
import { paymentRouter } from "./routing/router.js";
import { readRoutingSettings } from "./routing/settings.js";

/** Outcomes that move a payment to the next candidate (when failover is allowed). */
function cascades(
  outcome: PaymentOutcome,
): outcome is Extract<PaymentOutcome, { status: "error" | "unknown" }> | (PaymentOutcome & { status: "soft_decline" }) {
  return notProcessed(outcome) || (outcome.status === "soft_decline" && outcome.retry.tryAnotherAcquirer === true);
}

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
    customers: { requireCustomer(scope: Scope, id: string): Promise<Customer> };
    events: Pick<EventsService, "record">;
    /** Where the authorization expiry job registers (one-off.ts); absent in tests that build no worker. */
    jobs?: JobRegistry;
    /** Decisions and outcomes of one-off payments, captures and voids (the audit trail). */
    audit?: AuditRecorder;
  },
) {
  const { db } = deps;
  const { registry, storefronts, events, customers } = o;
  const adapters: Adapters = adaptersOf(registry, storefronts);
  const methods = paymentMethodsService(deps, { registry, adapters, storefronts, customers, events });
  const router = paymentRouter(deps, { registry });

  /** The customer is there to authenticate only when subscribing; renewals and retries run without them. */
  const channelOf = (kind: PaymentKind): PaymentChannel => (kind === "subscription_create" ? "ecommerce" : "recurring");

  const decisionOf = (payment: PaymentRow): RoutingDecision | null => fromJson(payment.routing, null);

  async function requirePayment(scope: Scope, id: string): Promise<PaymentRow> {
    const row = await repo.findPayment(db, scope, id);
    if (!row) throw notFound("payment", id);
    return row;
  }

  async function routing(scope: Scope, storefrontId: string): Promise<Routing> {
    const storefront = await storefronts.paymentSettings(scope, storefrontId);
    return {
      storefrontId: storefront.id,
      providers: storefront.payment_providers.filter((p) => registry.has(p.name)),
      settings: await readRoutingSettings(db, scope, storefront.id),
    };
  }

  // Checks before a new charge (safe mode): each throws to hold it. Resumed attempts are not new.
  const chargeGuards: Array<(scope: Scope, route: Routing) => Promise<void>> = [];
  // The customer's billing details (invoicing registers it): the buyer PSPs such as iyzico must report.
  let billingDetailsOf: (scope: Scope, customerId: string) => Promise<BuyerDetails | null> = async () => null;

  async function buyer(scope: Scope, customerId: string): Promise<Buyer> {
    const [customer, details] = await Promise.all([
      customers.requireCustomer(scope, customerId),
      billingDetailsOf(scope, customerId),
    ]);
    return buyerOf(customer, details);
  }

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
        : next.status === "authorized"
          ? "payment.authorized"
          : next.status === "failed"
            ? "payment.failed"
            : "payment.pending";
    await events.record(tx, scope, { type, object: toPayment(next), correlationId: next.correlation_id });
    return next;
  }

  const service = {
    /** A check every new charge passes first (safe mode registers one). Call once, when built. */
    registerChargeGuard(guard: (scope: Scope, route: Routing) => Promise<void>): void {
      chargeGuards.push(guard);
    },

    /** Where the buyer's billing details come from (invoicing). Call once, when built. */
    registerBillingDetails(source: (scope: Scope, customerId: string) => Promise<BuyerDetails | null>): void {
      billingDetailsOf = source;
    },

    /** Throws when a guard holds new charges on this route (before anything is reserved). */
    async assertMayCharge(scope: Scope, route: Routing): Promise<void> {
      for (const guard of chargeGuards) await guard(scope, route);
    },
    registry,
    routing,
    settle,
    methods,
    router,
    routingSettings: routingAdmin({
      db,
      router,
      storefronts,
      customers,
      events,
      routing,
      resolveMethod: methods.resolve,
    }),

    /** Refuses a storefront with no provider this server can route to. */
    requireProvider,

    /**
     * A new attempt, routed: the decision (candidates, scores, reason) is kept on the row and its
     * provider is the winner. Refused when the storefront has no provider we can use.
     */
    async newAttempt(scope: Scope, route: Routing, a: NewAttempt): Promise<PaymentRow> {
      const first = requireProvider(route);
      const [customer, method] = await Promise.all([
        customers.requireCustomer(scope, a.customer),
        methods.resolve(db, scope, a.customer, a.paymentMethod),
      ]);
      const decision = await router.plan(db, scope, route, {
        country: customer.country,
        currency: a.currency,
        amount: a.amount,
        channel: channelOf(a.kind),
        method,
      });
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
        provider: decision.chosen ?? first.name,
        provider_reference: null,
        failure_code: null,
        failure_message: null,
        retryable: null,
        period_index: a.periodIndex,
        attempt: a.attempt,
        payment_method: a.paymentMethod,
        idempotency_key: `${a.keyOwner}:p${a.periodIndex}:a${a.attempt}`,
        correlation_id: a.correlationId,
        routing: toJson(decision),
        attempts: null,
        dispute_status: null,
        disputed_amount: null,
        dispute_reason: null,
        tax_amount: a.tax?.amount ?? null,
        tax_decision: a.tax ? toJson(a.tax.decision) : null,
        settled_at: null,
        amount_captured: null,
        authorization_expires_at: null,
        description: null,
        metadata: null,
        created_at: now,
        updated_at: now,
      };
    },

    insertAttempt: (tx: Db, row: PaymentRow) => repo.insertPayment(tx, row),

    /**
     * Charges a reserved attempt down its routing decision's candidates. With `failover`, an
     * attempt the provider certainly did not process (`error`, `unknown` before sending) or a soft
     * decline the vendor marks "try another acquirer" moves to the next candidate, under a key of
     * its own, recorded on the row before it is sent. Never after an approval, a hard decline or
     * an answer lost after sending. A resumed attempt (after a crash) must not fail over: its
     * provider may have charged before the crash.
     */
    async execute(
      scope: Scope,
      route: Routing,
      payment: PaymentRow,
      options: {
        failover: boolean;
        /** The customer is present (a first payment with a return URL): the provider may ask for 3-D Secure. */
        customerPresent?: { returnUrl: string };
        /** Authorize only (a one-off payment with `capture: false`): captured or voided later. */
        authorizeOnly?: boolean;
      },
    ): Promise<{ payment: PaymentRow; outcome: ChargeOutcome }> {
      const decision = decisionOf(payment);
      if (decision && decision.chosen === null) {
        // Nothing can charge this method here (detached, or vaulted only at PSPs the storefront
        // does not use): a decline of ours, which retrying the same method cannot change.
        const outcome: PaymentOutcome = {
          status: "hard_decline",
          reference: null,
          code: "no_eligible_provider",
          message: decision.reason,
          retry: { allowed: false },
          vendor: { code: null, raw: null },
        };
        return { payment, outcome };
      }
      const order = decision ? failoverOrder(decision) : route.providers.map((p) => p.name);
      const start = order.indexOf(payment.provider);
      const chain = start >= 0 ? order.slice(start) : [payment.provider];
      const method = await methods.resolve(db, scope, payment.customer_id, payment.payment_method);
      let current = payment;
      // Loaded once, and only when a provider in the chain reports the buyer.
      let buyerOnce: Promise<Buyer> | undefined;
      for (let i = 0; i < chain.length; i++) {
        const config = adapters.configFor(route, chain[i]!);
        const token = method ? method.tokens.get(config.name) : current.payment_method;
        let outcome: PaymentOutcome;
        try {
          if (token === undefined)
            throw new ProviderUnavailableError(`the payment method is no longer vaulted at ${config.name}`);
          const adapter = adapters.get(config.name);
          if (adapter.capabilities.buyerIdentity) buyerOnce ??= buyer(scope, current.customer_id);
          router.beforeCall(route.storefrontId, config.name);
          const call = options.authorizeOnly ? adapter.authorize.bind(adapter) : adapter.charge.bind(adapter);
          outcome = await call(adapters.context(scope, route.storefrontId, config), {
            idempotencyKey: current.idempotency_key,
            amount: Number(current.amount),
            currency: current.currency,
            paymentMethod: token,
            customer: current.customer_id,
            onSession: options.customerPresent !== undefined,
            ...(options.customerPresent && { returnUrl: options.customerPresent.returnUrl }),
            ...(adapter.capabilities.buyerIdentity && { buyer: await buyerOnce }),
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
        loggerAt(deps, scope, "info")?.info(
          { payment: current.id, provider: config.name, amount: Number(current.amount), outcome: outcome.status },
          "payment provider charge",
        );
        await router.learn(scope, route.storefrontId, config.name, decision, outcome);
        const next = chain[i + 1];
        // Only a request the provider certainly did not process, or a decline another acquirer may
        // approve, moves on; never after it was sent.
        if (!cascades(outcome)) return { payment: current, outcome };
        if (!options.failover || !next) {
          if (outcome.status === "soft_decline") return { payment: current, outcome };
          return { payment: current, outcome: { status: "unavailable", message: outcome.message } };
        }
        loggerFor(deps, scope).warn(
          { payment: current.id, from: config.name, to: next, reason: outcome.message },
          "payment provider failover",
        );
        const now = scope.clock.now().toISOString();
        const hop: PaymentAttempt = {
          provider: config.name,
          idempotency_key: current.idempotency_key,
          result: outcome.status,
          code: outcome.status === "unknown" ? null : outcome.code,
          message: outcome.message,
          at: now,
        };
        const attempts = toJson([...fromJson<PaymentAttempt[]>(current.attempts, []), hop]);
        // Each provider gets a key of its own: a key names one request to one provider.
        const key = `${payment.idempotency_key}:c${i + 1 + Math.max(start, 0)}`;
        const moved = await repo.updatePaymentIf(
          db,
          scope,
          current.id,
          { status: "pending", provider: config.name, abandoning: false },
          { provider: next, idempotency_key: key, attempts, updated_at: now },
        );
        if (!moved) throw new Error(`payment ${current.id} changed while failing over`);
        current = { ...current, provider: next, idempotency_key: key, attempts, updated_at: now };
      }
      throw new Error("unreachable: empty provider chain");
    },

    /**
     * Whether the card network forbids another retry of this method now (Visa, Mastercard caps
     * per 30 days, the storefront's `network_retry_caps`). Only stored methods have a known brand.
     */
    async networkRetryCapReached(
      scope: Scope,
      route: Routing,
      customerId: string,
      paymentMethod: string,
    ): Promise<{ reached: boolean; brand: string | null; declines: number; cap: number | null }> {
      const method = await methods.resolve(db, scope, customerId, paymentMethod);
      const brand = method?.brand ?? null;
      const cap = brand === null ? undefined : route.settings.network_retry_caps[brand];
      if (cap === undefined) return { reached: false, brand, declines: 0, cap: null };
      const since = new Date(scope.clock.now().getTime() - 30 * 24 * 3_600_000).toISOString();
      const declines = await repo.countDeclines(db, scope, customerId, paymentMethod, since);
      return { reached: declines - 1 >= cap, brand, declines, cap };
    },

    /**
     * Keeps a first payment waiting for the customer's action (3-D Secure): still pending, now with
     * the provider's reference. False when it was settled meanwhile (the settle job expired it).
     */
    async awaitAction(scope: Scope, payment: PaymentRow, reference: string): Promise<boolean> {
      return repo.updatePaymentIf(
        db,
        scope,
        payment.id,
        { status: "pending", abandoning: false },
        { provider_reference: reference, updated_at: scope.clock.now().toISOString() },
      );
    },

    /** Completes a payment after the customer's action (the provider's confirm, e.g. Adyen /payments/details). */
    async confirm(scope: Scope, payment: PaymentRow, data: Record<string, string>): Promise<PaymentOutcome> {
      const route = await routing(scope, payment.storefront_id);
      const config = adapters.configFor(route, payment.provider);
      return adapters.get(payment.provider).confirm(adapters.context(scope, route.storefrontId, config), {
        idempotencyKey: `${payment.idempotency_key}:confirm`,
        reference: payment.provider_reference ?? "",
        data,
      });
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

    /** A one-off payment, captured at once or (`capture: false`) only authorized. See one-off.ts. */
    async create(scope: Scope, input: CreatePayment): Promise<Payment> {
      const row = await createOneOff(
        {
          db,
          customers,
          routing,
          assertMayCharge: service.assertMayCharge,
          newAttempt: service.newAttempt,
          execute: service.execute,
          settle,
          find: (s, id) => repo.findPayment(db, s, id),
          audit: o.audit,
        },
        scope,
        input,
      );
      return toPayment(row);
    },

    async capture(scope: Scope, id: string, input: CapturePayment): Promise<Payment> {
      const row = await requirePayment(scope, id);
      const route = await routing(scope, row.storefront_id);
      const captured = await capturePayment({ db, events, adapters, audit: o.audit }, scope, route, row, input);
      return toPayment(captured ?? (await requirePayment(scope, id)));
    },

    async void(scope: Scope, id: string): Promise<Payment> {
      const row = await requirePayment(scope, id);
      const route = await routing(scope, row.storefront_id);
      const voided = await voidPayment({ db, events, adapters, audit: o.audit }, scope, route, row, "requested");
      return toPayment(voided ?? (await requirePayment(scope, id)));
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
    /** Pending for longer than `staleMs`, every tenant's: for the janitor's sweep, under system access. */
    stalePending: (wallNow: Date, staleMs: number, limit: number) => repo.listStalePending(db, wallNow, staleMs, limit),

    getDispute: (scope: Scope, id: string): Promise<Dispute> => getDispute(db, scope, id),
    listDisputes: (scope: Scope, query: DisputeListQuery): Promise<Page<Dispute>> => listDisputes(db, scope, query),

    async list(scope: Scope, query: PaymentListQuery): Promise<Page<Payment>> {
      const result = await repo.pagePayments(db, scope, query, {
        customerId: query.customer,
        subscriptionId: query.subscription,
        status: query.status,
      });
      return toPage(result, toPayment);
    },
  };
  o.jobs?.register(AUTHORIZATION_EXPIRY_JOB, async ({ payload, scope }) => {
    if (!scope) return;
    const row = await repo.findPayment(db, scope, (payload as { payment: string }).payment);
    // Captured or voided meanwhile, or its hold was extended: nothing to do.
    if (row?.status !== "authorized" || row.authorization_expires_at === null) return;
    if (row.authorization_expires_at > scope.clock.now().toISOString()) return;
    // A provider that cannot be reached throws here: the job is retried, never recorded as voided.
    await voidPayment(
      { db, events, adapters, audit: o.audit },
      scope,
      await routing(scope, row.storefront_id),
      row,
      "expired",
    );
  });
  return service;
}

export type PaymentsService = ReturnType<typeof paymentsService>;
