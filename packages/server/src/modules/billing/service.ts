import type { Deps, Scope } from "../../context.js";
import type { SubscriptionRow } from "../../db/types.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { CatalogService } from "../catalog/service.js";
import type { PaymentsService } from "../payments/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import type { SubscriptionStore } from "../subscriptions/index.js";
import { chargeProtocol, SETTLE_JOB } from "./charge.js";
import { chargeTax } from "./charge-tax.js";
import { type DiscountCharge, noDiscount } from "./discounts.js";
import { paymentsJanitor } from "./janitor.js";
import { billingJobs } from "./jobs.js";
import type { PriceTerms } from "./periods.js";
import { CHECK_JOB, DUNNING_JOB, PERIOD_END_JOB } from "./schedule.js";

/** Price terms never change (the catalog refuses it), so they are cached; status is not part of them. */
const TERMS_CACHE_LIMIT = 10_000;

/**
 * Billing: renewals, trial ends, dunning, proration and the charge protocol, driving the
 * subscriptions through their store. Registers its jobs when built.
 */
export function billingService(
  deps: Deps,
  o: {
    store: SubscriptionStore;
    payments: PaymentsService;
    catalog: Pick<CatalogService, "getPrice">;
    storefronts: Pick<StorefrontsService, "paymentSettings">;
    jobs: JobRegistry;
    /** Campaigns' discount hook (billing/discounts.ts); none: full price. */
    discount?: DiscountCharge;
  },
) {
  const cache = new Map<string, PriceTerms>();

  async function terms(scope: Scope, priceId: string): Promise<PriceTerms> {
    const key = `${scope.environmentId}/${priceId}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const { price } = await o.catalog.getPrice(scope, priceId);
    const t: PriceTerms = {
      id: price.id,
      bundle: price.bundle,
      currency: price.currency,
      amount: price.amount,
      interval: price.interval,
      interval_count: price.interval_count,
      trial_days: price.trial_days,
      term_count: price.term_count,
      tax_code: price.tax_code,
      tax_behavior: price.tax_behavior,
    };
    if (cache.size >= TERMS_CACHE_LIMIT) cache.clear();
    cache.set(key, t);
    return t;
  }

  async function retryDays(scope: Scope, row: Pick<SubscriptionRow, "storefront_id">): Promise<readonly number[]> {
    return (await o.storefronts.paymentSettings(scope, row.storefront_id)).dunning.retry_days;
  }

  const protocol = chargeProtocol(deps, { store: o.store, payments: o.payments });
  const discount = o.discount ?? noDiscount;
  const tax = chargeTax();
  const handlers = billingJobs({
    deps,
    store: o.store,
    payments: o.payments,
    protocol,
    terms,
    retryDays,
    discount,
    tax,
  });
  o.jobs.register(PERIOD_END_JOB, handlers.periodEnd);
  o.jobs.register(DUNNING_JOB, handlers.dunning);
  o.jobs.register(CHECK_JOB, handlers.check);
  o.jobs.register(SETTLE_JOB, handlers.settle);
  const janitor = paymentsJanitor(deps, {
    payments: o.payments,
    store: o.store,
    jobs: o.jobs,
    check: handlers.check,
    settle: handlers.settle,
  });

  return { terms, retryDays, protocol, janitor, discount, tax };
}

export type BillingService = ReturnType<typeof billingService>;
