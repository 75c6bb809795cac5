import type { ApiClient, ApiResult, Json, TestContext } from "./harness.js";

/*
 * A small catalog for the subscription and billing tests, built through the API: two bundles
 * sold by one storefront that routes payments to the sandbox provider.
 */

export interface BillingCatalog {
  storefront: string;
  bundles: { pro: string; premium: string };
  prices: {
    monthly: string;
    yearly: string;
    premium: string;
    premiumYearly: string;
    trial: string;
    term: string;
    free: string;
    cheap: string;
    usd: string;
  };
}

let counter = 0;

function created<T = Json>(res: ApiResult<T>, what: string): T {
  if (res.status !== 201) throw new Error(`creating ${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function billingCatalog(
  api: ApiClient,
  options: {
    retryDays?: number[];
    providers?: Array<{ name: string; config?: Record<string, unknown>; credentials?: Record<string, string> }>;
  } = {},
): Promise<BillingCatalog> {
  const n = ++counter;
  const ent = created(
    await api("POST", "/v1/entitlements", { key: `pro-access-${n}`, name: "Pro", kind: "flag" }),
    "an entitlement",
  );
  const pro = created(
    await api("POST", "/v1/bundles", {
      key: `pro-${n}`,
      name: "Pro",
      entitlements: [{ key: ent.key }],
      prices: [
        { currency: "EUR", amount: 999, interval: "month" },
        { currency: "EUR", amount: 9990, interval: "year" },
        { currency: "EUR", amount: 999, interval: "month", trial_days: 14 },
        { currency: "EUR", amount: 999, interval: "month", term_count: 3 },
        { currency: "EUR", amount: 0, interval: "month" },
        { currency: "EUR", amount: 499, interval: "month" },
        { currency: "USD", amount: 999, interval: "month" },
      ],
    }),
    "the pro bundle",
  );
  const premium = created(
    await api("POST", "/v1/bundles", {
      key: `premium-${n}`,
      name: "Premium",
      entitlements: [{ key: ent.key }],
      prices: [
        { currency: "EUR", amount: 1999, interval: "month" },
        { currency: "EUR", amount: 19990, interval: "year" },
      ],
    }),
    "the premium bundle",
  );
  const storefront = created(
    await api("POST", "/v1/storefronts", {
      key: `web-${n}`,
      name: "Web",
      type: "web",
      bundles: [pro.id, premium.id],
      payment_providers: options.providers ?? [{ name: "sandbox" }],
      ...(options.retryDays ? { dunning: { retry_days: options.retryDays } } : {}),
    }),
    "a storefront",
  );
  const p = pro.prices as Array<{ id: string }>;
  const q = premium.prices as Array<{ id: string }>;
  return {
    storefront: storefront.id,
    bundles: { pro: pro.id, premium: premium.id },
    prices: {
      monthly: p[0]!.id,
      yearly: p[1]!.id,
      trial: p[2]!.id,
      term: p[3]!.id,
      free: p[4]!.id,
      cheap: p[5]!.id,
      usd: p[6]!.id,
      premium: q[0]!.id,
      premiumYearly: q[1]!.id,
    },
  };
}

export async function newCustomer(api: ApiClient, storefront: string): Promise<string> {
  const res = await api("POST", "/v1/customers", { storefront, external_id: `user-${++counter}` });
  return created(res, "a customer").id;
}

/** Subscribes a new customer; throws unless it was created. */
export async function subscribe(api: ApiClient, catalog: BillingCatalog, body: Record<string, unknown>) {
  const customer = await newCustomer(api, catalog.storefront);
  const res = await api("POST", "/v1/subscriptions", {
    customer,
    price: catalog.prices.monthly,
    payment_method: "pm_sandbox_ok",
    ...body,
  });
  return created(res, "a subscription");
}

/** Freezes the environment's clock at `at` (test clocks only move forward). */
export async function freezeAt(api: ApiClient, at: string): Promise<void> {
  const res = await api("POST", "/v1/test-clocks/advance", { to: at });
  if (res.status !== 200) throw new Error(`freezing the clock answered ${res.status}: ${JSON.stringify(res.body)}`);
}

export async function advance(api: ApiClient, by: string): Promise<{ jobs_run: number; now: string }> {
  const res = await api("POST", "/v1/test-clocks/advance", { by });
  if (res.status !== 200) throw new Error(`advancing the clock answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Every payment of a subscription, oldest first. */
export async function paymentsOf(api: ApiClient, subscription: string): Promise<Json[]> {
  const res = await api("GET", `/v1/payments?subscription=${subscription}&limit=100`);
  if (res.status !== 200) throw new Error(`listing payments answered ${res.status}`);
  return [...res.body.data].reverse();
}

/** Every event about an object, oldest first. */
export async function eventsOf(api: ApiClient, objectId: string): Promise<Json[]> {
  const res = await api("GET", `/v1/events?object_id=${objectId}&limit=100`);
  if (res.status !== 200) throw new Error(`listing events answered ${res.status}`);
  return [...res.body.data].reverse();
}

/** The sandbox provider's own records (its "server side"): how many times money really moved. */
export async function sandboxCharges(ctx: TestContext, keyPrefix: string) {
  return ctx.deps.db
    .selectFrom("sandbox_operations")
    .selectAll()
    .where("idempotency_key", "like", `${keyPrefix}%`)
    .where("operation", "=", "charge")
    .execute();
}
