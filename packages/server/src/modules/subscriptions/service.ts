import {
  type CancelSubscription,
  type ChangePlan,
  type CreateSubscription,
  grantsEntitlements,
  type Subscription,
  type SubscriptionListQuery,
  type SubscriptionStatus,
} from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { Db, SubscriptionRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { newId } from "../../lib/ids.js";
import { type Page, toPage } from "../../lib/pagination.js";
import type { AuditRecorder } from "../audit/service.js";
import { applyRetry, billingService, type ChargeTaxHook, noDiscount, taxOf } from "../billing/index.js";
import type { CampaignClaim, CampaignsService } from "../campaigns/service.js";
import type { CatalogService } from "../catalog/service.js";
import type { CustomersService } from "../customers/service.js";
import type { EventsService } from "../events/service.js";
import type { PaymentsService } from "../payments/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import type { TrialGate } from "../trials/service.js";
import { changePlan } from "./changes.js";
import { checkChannel, checkSellable, createSubscription, paymentFailed } from "./create.js";
import { type ExternalChange, insertExternal, type NewExternal, writeExternal } from "./external.js";
import { chargeMethod, toSubscription } from "./model.js";
import * as repo from "./repo.js";
import { StaleWrite, subscriptionStore, type Write } from "./store.js";

/** What the entitlements module builds tokens from (its exp never passes next_change_at). */
export interface EntitlementSource {
  id: string;
  bundle_id: string;
  status: SubscriptionStatus;
  current_period_end: string;
  cancel_at_period_end: boolean;
  /** The next known instant the status can change: period/trial end, next dunning step, payment check. */
  next_change_at: string | null;
}

type CampaignHooks = Pick<CampaignsService, "redeemForNew" | "settleNew" | "discountCharge">;

const GRANTING: SubscriptionStatus[] = ["trial", "active", "grace"];

function nextChangeAt(row: SubscriptionRow): string | null {
  const candidates =
    row.status === "grace" ? [row.next_retry_at, row.payment_check_at] : [row.current_period_end, row.payment_check_at];
  const known = candidates.filter((c): c is string => c !== null).sort();
  return known[0] ?? null;
}

/** A reference in a body that does not resolve is a field error (400), like the customers module's. */
async function field<T>(lookup: Promise<T>, path: string): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof ApiError && error.code === "NOT_FOUND") {
      throw new ApiError("VALIDATION_FAILED", error.message, { errors: [{ path, message: error.message }] });
    }
    throw error;
  }
}

export function subscriptionsService(
  deps: Deps,
  o: {
    catalog: Pick<CatalogService, "getPrice" | "registerBundleUsage">;
    customers: Pick<CustomersService, "requireCustomer" | "registerCustomerUsage">;
    storefronts: Pick<StorefrontsService, "requireStorefront" | "paymentSettings">;
    events: Pick<EventsService, "record" | "recordEach">;
    payments: PaymentsService;
    jobs: JobRegistry;
    /** Records billing's decisions and outcomes (dunning steps, renewal charges) in the audit trail. */
    audit?: AuditRecorder;
  },
) {
  const { db } = deps;
  const store = subscriptionStore(deps, {
    events: o.events,
    payments: o.payments,
    ...(o.audit ? { audit: o.audit } : {}),
  });
  // Campaigns register after both are built (services.ts); until then, and without them, full price.
  let campaigns: CampaignHooks | undefined;
  const billing = billingService(deps, {
    store,
    payments: o.payments,
    catalog: o.catalog,
    storefronts: o.storefronts,
    jobs: o.jobs,
    discount: (scope, charge) => (campaigns ? campaigns.discountCharge(scope, charge) : noDiscount(scope, charge)),
  });
  // A bundle anyone ever subscribed to is archived, not deleted: subscriptions and payments name it.
  o.catalog.registerBundleUsage((d, scope, bundleId) => repo.bundleHasSubscriptions(d, scope, bundleId));
  // A customer with subscriptions or payments keeps its records: deleting it is refused.
  o.customers.registerCustomerUsage(
    async (d, scope, customerId) =>
      (await repo.customerHasSubscriptions(d, scope, customerId)) ||
      (await o.payments.customerHasPayments(d, scope, customerId)),
  );

  let trialGate: TrialGate | undefined;

  async function requireRow(scope: Scope, id: string): Promise<SubscriptionRow> {
    const row = await repo.findSubscription(db, scope, id);
    if (!row) throw notFound("subscription", id);
    return row;
  }

  const snapshot = (scope: Scope, row: SubscriptionRow) => store.snapshot(db, scope, row);

  /**
   * Reads, decides and writes; when the compare-and-set loses (another request or job wrote the
   * row in between), decides again on the fresh row. A payment in flight blocks changes.
   */
  async function mutate(
    scope: Scope,
    id: string,
    decide: (row: SubscriptionRow) => Promise<SubscriptionRow>,
  ): Promise<Subscription> {
    for (let round = 0; round < 3; round++) {
      const row = await requireRow(scope, id);
      if (row.channel !== "direct") {
        throw new ApiError(
          "CHANNEL_MANAGED_EXTERNALLY",
          `Subscription ${row.id} is run by the ${row.channel} channel: change it there, the change reaches us as a notification`,
        );
      }
      if (row.inflight_payment_id) {
        throw new ApiError("CONFLICT", `A payment for subscription ${row.id} is in progress; retry in a moment`);
      }
      try {
        return await snapshot(scope, await decide(row));
      } catch (error) {
        if (!(error instanceof StaleWrite)) throw error;
      }
    }
    throw new ApiError("CONFLICT", `Subscription ${id} is changing concurrently; retry`);
  }

  const writeNow = (scope: Scope, row: SubscriptionRow, w: Omit<Write, "correlationId">) =>
    store.writeNow(scope, row, { ...w, correlationId: scope.requestId ?? null });

  function refuse(row: SubscriptionRow, action: string): never {
    throw new ApiError("INVALID_STATE_TRANSITION", `A ${row.status} subscription cannot ${action}`);
  }

  return {
    store,
    billing,

    async create(scope: Scope, input: CreateSubscription): Promise<Subscription> {
      const customer = await field(o.customers.requireCustomer(scope, input.customer), "customer");
      const { price, bundle } = await field(o.catalog.getPrice(scope, input.price), "price");
      const storefront = await o.storefronts.requireStorefront(scope, customer.storefront);
      checkSellable({ storefront, price, bundle });
      checkChannel(storefront, input.channel);
      const { trial_identity: identity, ...rest } = input;
      // Trial eligibility (modules/trials): refused, or started without the trial, per the storefront's policy.
      const trial = {
        customer,
        price: { id: price.id, trial_days: rest.trial_days ?? price.trial_days },
        bundleId: bundle.id,
        storefrontId: storefront.id,
        identity,
      };
      let create = rest;
      let claim: string | null = null;
      if (trialGate && trial.price.trial_days > 0) {
        const gate = await trialGate.gate(scope, trial);
        if (!gate.eligible && gate.onIneligible === "refuse") {
          throw new ApiError("TRIAL_NOT_ELIGIBLE", gate.decision.reason, {
            errors: [{ path: "price", message: `${gate.decision.rule}: ${gate.decision.reason}` }],
          });
        }
        if (!gate.eligible) create = { ...rest, trial_days: 0 };
        claim = gate.claim;
      }
      const id = newId("subscription");
      let subscription: Subscription | null = null;
      let redeemed: CampaignClaim | undefined;
      try {
        if (rest.promotion_code !== undefined && rest.coupon !== undefined)
          throw new ApiError("VALIDATION_FAILED", "Give a promotion code or a coupon, not both", {
            errors: [{ path: "coupon", message: "not with promotion_code" }],
          });
        if (rest.promotion_code !== undefined || rest.coupon !== undefined) {
          if (!campaigns) throw new Error("subscriptions: a discount was asked for without the campaigns module");
          // Coupons and promotion codes (modules/campaigns): refused with the failed check, or put on before the first charge.
          redeemed = await campaigns.redeemForNew(scope, {
            subscriptionId: id,
            customer,
            price,
            bundleId: bundle.id,
            storefrontId: storefront.id,
            channel: rest.channel,
            paymentMethod: rest.payment_method,
            fingerprint: identity?.payment_method_fingerprint,
            promotionCode: rest.promotion_code,
            coupon: rest.coupon,
            customerHadSubscription: await repo.customerHasSubscriptions(db, scope, customer.id),
          });
        }
        subscription = await createSubscription(
          deps,
          { store, payments: o.payments, discount: billing.discount, tax: billing.tax },
          scope,
          create,
          { customer, storefront, price, bundle },
          id,
        );
        return subscription;
      } finally {
        // The trial claimed before creation is kept only if a subscription took it; the same for a redemption.
        if (trialGate && claim) await trialGate.settle(scope, claim, subscription);
        if (campaigns && redeemed) await campaigns.settleNew(scope, redeemed, subscription);
      }
    },

    /** Campaigns redeem codes at creation and take discounts off charges (services.ts). Call once, when built. */
    registerCampaigns(hooks: CampaignHooks): void {
      campaigns = hooks;
    },

    /** Trial eligibility checks subscription creation when given (services.ts). Call once, when built. */
    registerTrialGate(gate: TrialGate): void {
      trialGate = gate;
    },

    /** Invoicing adds tax to tax-exclusive prices at the last step of every charge (services.ts). */
    registerTax(hook: ChargeTaxHook): void {
      billing.tax.register(hook);
    },

    async get(scope: Scope, id: string): Promise<Subscription> {
      return snapshot(scope, await requireRow(scope, id));
    },

    async list(scope: Scope, query: SubscriptionListQuery): Promise<Page<Subscription>> {
      const result = await repo.pageSubscriptions(db, scope, query, {
        customerId: query.customer,
        status: query.status,
      });
      const ids = result.rows.map((r) => r.latest_payment_id).filter((id): id is string => id !== null);
      const latest = new Map((await o.payments.listByIds(db, scope, ids)).map((p) => [p.id, p]));
      return toPage(result, (row) =>
        toSubscription(row, (row.latest_payment_id && latest.get(row.latest_payment_id)) || null),
      );
    },

    cancel(scope: Scope, id: string, input: CancelSubscription): Promise<Subscription> {
      return mutate(scope, id, async (row) => {
        const now = scope.clock.now().toISOString();
        if (!input.at_period_end) {
          return writeNow(scope, row, {
            move: { event: "cancel", reason: "cancel" },
            patch: {
              cancelled_at: now,
              ended_at: now,
              pending_plan_change: null,
              pending_price_change: null,
              next_retry_at: null,
              dunning_step: null,
            },
          });
        }
        if (row.status !== "trial" && row.status !== "active")
          refuse(row, "be cancelled at period end (cancel it now)");
        if (row.cancel_at_period_end) return row;
        return writeNow(scope, row, {
          patch: { cancel_at_period_end: 1, cancelled_at: now },
          events: ["subscription.cancel_scheduled"],
        });
      });
    },

    resume(scope: Scope, id: string): Promise<Subscription> {
      return mutate(scope, id, async (row) => {
        if (!row.cancel_at_period_end || (row.status !== "trial" && row.status !== "active")) {
          refuse(row, "be resumed: it has no cancel scheduled");
        }
        return writeNow(scope, row, {
          patch: { cancel_at_period_end: 0, cancelled_at: null },
          events: ["subscription.cancel_unscheduled"],
        });
      });
    },

    changePlan(scope: Scope, id: string, input: ChangePlan): Promise<Subscription> {
      return mutate(scope, id, async (row) => {
        if (row.status !== "trial" && row.status !== "active") refuse(row, "change plans");
        const { price, bundle } = await field(o.catalog.getPrice(scope, input.price), "price");
        checkSellable({ storefront: await o.storefronts.requireStorefront(scope, row.storefront_id), price, bundle });
        return changePlan({ store, billing }, scope, row, input);
      });
    },

    updatePaymentMethod(scope: Scope, id: string, paymentMethod: string): Promise<Subscription> {
      return mutate(scope, id, async (row) => {
        if (row.status === "cancelled" || row.status === "expired") refuse(row, "change its payment method");
        return writeNow(scope, row, {
          patch: { payment_method: paymentMethod },
          events: ["subscription.payment_method_updated"],
        });
      });
    },

    /** Pays the unpaid period now; a decline answers 402 and leaves the dunning schedule as it was. */
    retry(scope: Scope, id: string): Promise<Subscription> {
      return mutate(scope, id, async (row) => {
        if (row.status !== "grace" && row.status !== "suspended") refuse(row, "be retried: nothing is unpaid");
        const unpaid = row.unpaid_payment_id ? await o.payments.find(db, scope, row.unpaid_payment_id) : undefined;
        if (!unpaid) throw new Error(`subscription ${row.id} is ${row.status} without an unpaid payment`);
        const terms = await billing.terms(scope, row.price_id);
        const apply = applyRetry(terms, scope.clock.now().toISOString(), null, () => billing.retryDays(scope, row));
        const result = await billing.protocol.charge(
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
            correlationId: scope.requestId ?? null,
            initiator: "api",
          },
          apply,
        );
        if (result.status === "conflict") throw new StaleWrite(`subscription ${row.id} changed`);
        if (result.payment.status === "failed") throw paymentFailed(result.payment);
        return result.row;
      });
    },

    /** The customer's subscriptions that grant entitlements now (trial, active, grace). */
    async listEntitlementSources(scope: Scope, customerId: string): Promise<EntitlementSource[]> {
      const rows = await repo.listCustomerSubscriptions(db, scope, customerId, GRANTING);
      return rows
        .filter((row) => grantsEntitlements(row.status))
        .map((row) => ({
          id: row.id,
          bundle_id: row.bundle_id,
          status: row.status,
          current_period_end: row.current_period_end,
          cancel_at_period_end: row.cancel_at_period_end === 1,
          next_change_at: nextChangeAt(row),
        }));
    },

    /** For modules/channels: subscriptions a vendor runs, written in the caller's transaction. */
    external: {
      insert: (tx: Db, scope: Scope, input: NewExternal) => insertExternal(store, tx, scope, input),
      /** undefined when the row changed since it was read in `tx` (the caller retries). */
      async write(
        tx: Db,
        scope: Scope,
        id: string,
        change: ExternalChange,
      ): Promise<{ before: SubscriptionRow; after: SubscriptionRow } | undefined> {
        const before = await repo.findSubscription(tx, scope, id);
        if (!before) throw notFound("subscription", id);
        const after = await writeExternal(store, tx, scope, before, change);
        return after && { before, after };
      },
    },

    /** For modules/price-changes: a batch of the live subscriptions on a price, ids ascending. */
    listOnPrice: (
      d: Db,
      scope: Scope,
      priceId: string,
      o: { storefrontId?: string | null; after: string | null; limit: number },
    ) => repo.listOnPrice(d, scope, priceId, o),

    customerHasSubscriptions: (scope: Scope, customerId: string) =>
      repo.customerHasSubscriptions(db, scope, customerId),
    customerSubscriptionCount: (scope: Scope, customerId: string) =>
      repo.countCustomerSubscriptions(db, scope, customerId),
  };
}

export type SubscriptionsService = ReturnType<typeof subscriptionsService>;
