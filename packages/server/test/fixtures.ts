import { signSandboxWebhook } from "../src/modules/payments/providers/sandbox-webhooks.js";
import type { ApiClient, ApiResult, Json } from "./harness.js";

/*
 * Fixtures of the generic route suite (test/route-security.test.ts). For every route with path
 * parameters, the suite creates one object in tenant A through the API and asks tenant B for it.
 * A route whose path has no fixture here FAILS that suite: when you add a module, register a
 * fixture for its path prefix (the longest matching prefix of the route's path template wins).
 */

/** Values for the path parameters of the routes under one prefix, e.g. `{ id: "ent_…" }`. */
export type FixtureParams = Record<string, string>;

/** Creates one object (and whatever it needs) in the tenant `api` speaks for; returns path params. */
/** `drain` runs the worker: events reach their consumers (webhooks) through jobs, after commit. */
export type Fixture = (api: ApiClient, drain: () => Promise<unknown>) => Promise<FixtureParams>;

let counter = 0;
/** Keys unique within a run, so fixtures can be called any number of times in one tenant. */
const unique = (base: string) => `${base}-${++counter}`;

function created<T = Json>(res: ApiResult<T>, what: string): T {
  if (res.status !== 201) {
    throw new Error(`fixture: creating ${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

/** A PUT that set something answers 200. */
function settled<T = Json>(res: ApiResult<T>, what: string): T {
  if (res.status !== 200)
    throw new Error(`fixture: setting ${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function entitlement(api: ApiClient) {
  return created(
    await api("POST", "/v1/entitlements", { key: unique("fx-flag"), name: "Fixture", kind: "flag" }),
    "an entitlement",
  );
}

async function bundle(api: ApiClient) {
  const ent = await entitlement(api);
  return created(
    await api("POST", "/v1/bundles", {
      key: unique("fx-bundle"),
      name: "Fixture bundle",
      entitlements: [{ key: ent.key }],
      prices: [{ currency: "EUR", amount: 990, interval: "month" }],
    }),
    "a bundle",
  );
}

async function storefront(api: ApiClient) {
  const b = await bundle(api);
  return created(
    await api("POST", "/v1/storefronts", {
      key: unique("fx-web"),
      name: "Fixture store",
      type: "web",
      bundles: [b.id],
    }),
    "a storefront",
  );
}

async function customer(api: ApiClient) {
  const sf = await storefront(api);
  const external_id = unique("fx-user");
  const cus = created(await api("POST", "/v1/customers", { storefront: sf.id, external_id }), "a customer");
  return { sf, cus, external_id };
}

/** A paid subscription: a storefront that routes payments to the sandbox, a customer, pm_sandbox_ok. */
async function subscription(api: ApiClient, sandboxCredentials?: Record<string, string>) {
  const b = await bundle(api);
  const sf = created(
    await api("POST", "/v1/storefronts", {
      key: unique("fx-shop"),
      name: "Fixture shop",
      type: "web",
      bundles: [b.id],
      payment_providers: [{ name: "sandbox", ...(sandboxCredentials && { credentials: sandboxCredentials }) }],
    }),
    "a storefront with a payment provider",
  );
  const cus = created(
    await api("POST", "/v1/customers", { storefront: sf.id, external_id: unique("fx-subscriber") }),
    "a customer",
  );
  return created(
    await api("POST", "/v1/subscriptions", {
      customer: cus.id,
      price: b.prices[0].id,
      payment_method: "pm_sandbox_ok",
    }),
    "a subscription",
  );
}

const FIXTURE_WEBHOOK_SECRET = "whsec_fixture";

/** A chargeback on a paid subscription's payment, reported by the sandbox PSP's signed webhook. */
async function dispute(api: ApiClient, drain: () => Promise<unknown>) {
  const sub = await subscription(api, { webhook_secret: FIXTURE_WEBHOOK_SECRET });
  const pay = sub.latest_payment;
  const signed = signSandboxWebhook(
    FIXTURE_WEBHOOK_SECRET,
    {
      id: unique("evt_fx_dispute"),
      type: "charge.dispute.created",
      created: pay.created_at,
      data: { charge: pay.provider_reference, amount: 500, currency: pay.currency },
    },
    new Date(pay.created_at),
  );
  const res = await api("POST", `/v1/providers/sandbox/webhooks/${sub.storefront}`, signed.body, signed.headers);
  if (res.status !== 200) throw new Error(`fixture: the dispute webhook answered ${res.status}`);
  await drain();
  const found = (await api("GET", `/v1/disputes?payment=${pay.id}`)).body?.data?.[0];
  if (!found) throw new Error(`fixture: no dispute on ${pay.id}`);
  return { id: found.id as string, payment: pay.id as string };
}

/** An invoice and a credit note of a refunded subscription payment, as `{ id }` params each. */
async function invoiced(api: ApiClient, drain: () => Promise<unknown>) {
  const sub = await subscription(api);
  const legal = await api("PUT", `/v1/storefronts/${sub.storefront}/legal-entity`, {
    legal_name: "Fixture GmbH",
    address: { line1: "Weg 1", city: "Berlin", country: "DE" },
    vat_id: "DE123456789",
  });
  if (legal.status !== 200) throw new Error(`fixture: legal entity answered ${legal.status}`);
  // The legal entity came after the first charge: a refund event now issues both documents.
  await api("POST", `/v1/payments/${sub.latest_payment.id}/refund`, { amount: 100 });
  await drain();
  const invoice = (await api("GET", `/v1/invoices?payment=${sub.latest_payment.id}`)).body?.data?.[0];
  const note = (await api("GET", `/v1/credit-notes?payment=${sub.latest_payment.id}`)).body?.data?.[0];
  if (!invoice || !note) throw new Error(`fixture: no invoice or credit note for ${sub.latest_payment.id}`);
  return { invoice: { id: invoice.id as string }, creditNote: { id: note.id as string } };
}

async function coupon(api: ApiClient) {
  return created(await api("POST", "/v1/coupons", { name: "Fixture", duration: "once", percent_off: 10 }), "a coupon");
}

/** A user invited to the tenant as a viewer, who accepted: `{ user, access_token, … }`. */
export async function member(api: ApiClient, role = "viewer") {
  const email = `member-${Math.random().toString(36).slice(2)}@example.com`;
  const invitation = created(await api("POST", "/v1/users/invitations", { email, role }), "an invitation");
  const accepted = await api("POST", "/v1/auth/invitations/accept", {
    token: invitation.token,
    password: "correct horse battery staple",
  });
  if (accepted.status !== 200) throw new Error(`accepting an invitation: ${JSON.stringify(accepted.body)}`);
  return accepted.body;
}

export const FIXTURES: Record<string, Fixture> = {
  "/v1/entitlements": async (api) => ({ id: (await entitlement(api)).id }),
  "/v1/api-keys": async (api) => ({
    id: created(await api("POST", "/v1/api-keys", { name: "fixture", scopes: ["catalog:read"] }), "an API key").id,
  }),
  "/v1/bundles": async (api) => {
    const b = await bundle(api);
    return { id: b.id, price_id: b.prices[0].id };
  },
  "/v1/prices": async (api) => ({ id: (await bundle(api)).prices[0].id }),
  "/v1/storefronts": async (api) => ({ id: (await storefront(api)).id }),
  // A storefront with App Store settings and one mapped product.
  "/v1/storefronts/{id}/channels": async (api) => {
    const sf = await storefront(api);
    const b = await bundle(api);
    settled(
      await api("PUT", `/v1/storefronts/${sf.id}/channels/app_store`, {
        config: { bundle_id: "com.fixture.app", environment: "Sandbox" },
        credentials: { private_key: "fixture" },
      }),
      "channel settings",
    );
    settled(
      await api("PUT", `/v1/storefronts/${sf.id}/channels/app_store/products/com.fixture.gold`, {
        price: b.prices[0].id,
      }),
      "a channel product",
    );
    // The vendor ids only fill path parameters: the storefront lookup answers another tenant first.
    return {
      id: sf.id,
      channel: "app_store",
      vendor_product_id: "com.fixture.gold",
      vendor_subscription_id: "I-FIXTURE0000",
      charging_token: "fixture-charging-token",
    };
  },
  "/v1/storefronts/{id}/customers": async (api) => {
    const { sf, external_id } = await customer(api);
    return { id: sf.id, external_id };
  },
  "/v1/customers": async (api) => ({ id: (await customer(api)).cus.id }),
  // An export whose archive the fixture downloads at once: the archive route hands it out once, so
  // every later read (the suite's snapshots) answers the same 410.
  "/v1/privacy-requests": async (api, drain) => {
    const { cus } = await customer(api);
    const request = await api("POST", `/v1/customers/${cus.id}/privacy/export`);
    if (request.status !== 202) throw new Error(`fixture: export answered ${request.status}`);
    await drain();
    await api("GET", `/v1/privacy-requests/${request.body.id}/archive`);
    return { id: request.body.id };
  },
  // A hold on a provider no fixture storefront routes to, so alpha's other fixtures still charge.
  "/v1/safe-mode": async (api) => ({
    id: created(await api("POST", "/v1/safe-mode", { provider: "fixture-psp", reason: "fixture" }), "a safe mode").id,
  }),
  "/v1/users": async (api) => ({ id: (await member(api)).user.id }),
  "/v1/roles": async (api) => ({
    id: created(
      await api("POST", "/v1/roles", { name: unique("fx-role"), permissions: ["catalog:read"] }),
      "a custom role",
    ).id,
  }),
  "/v1/subscriptions": async (api) => ({ id: (await subscription(api)).id }),
  "/v1/price-migrations": async (api) => {
    const b = await bundle(api);
    const to = created(
      await api("POST", `/v1/bundles/${b.id}/prices`, { currency: "EUR", amount: 1290, interval: "month" }),
      "a second price",
    );
    const res = await api("POST", `/v1/prices/${b.prices[0].id}/migrations`, {
      to_price: to.id,
      strategy: "grandfather",
    });
    return { id: created(res, "a price migration").id };
  },
  "/v1/payments": async (api) => ({ id: (await subscription(api)).latest_payment.id }),
  "/v1/disputes": async (api, drain) => ({ id: (await dispute(api, drain)).id }),
  "/v1/customers/{id}/payment-methods": async (api) => {
    const sub = await subscription(api);
    const method = created(
      await api("POST", `/v1/customers/${sub.customer}/payment-methods`, {
        providers: [{ name: "sandbox", token: "tok_sandbox_ok" }],
      }),
      "a payment method",
    );
    return { id: sub.customer, method: method.id };
  },
  // A storefront that invoices (a legal entity), one paid subscription and a refund: the worker
  // issues the invoice and the credit note from the payment events.
  "/v1/invoices": async (api, drain) => (await invoiced(api, drain)).invoice,
  "/v1/storefronts/{id}/legal-entity": async (api) => {
    const sf = await storefront(api);
    const res = await api("PUT", `/v1/storefronts/${sf.id}/legal-entity`, {
      legal_name: "Fixture GmbH",
      address: { line1: "Weg 1", city: "Berlin", country: "DE" },
    });
    if (res.status !== 200) throw new Error(`fixture: legal entity answered ${res.status}`);
    return { id: sf.id };
  },
  "/v1/customers/{id}/billing-details": async (api) => {
    const { cus } = await customer(api);
    const res = await api("PUT", `/v1/customers/${cus.id}/billing-details`, {
      name: "Fixture",
      address: { line1: "Weg 1", city: "Berlin", country: "DE" },
    });
    if (res.status !== 200) throw new Error(`fixture: billing details answered ${res.status}`);
    return { id: cus.id };
  },
  "/v1/credit-notes": async (api, drain) => (await invoiced(api, drain)).creditNote,
  "/v1/customers/{id}/grants": async (api) => {
    const { cus } = await customer(api);
    const ent = await entitlement(api);
    const grant = created(
      await api("POST", `/v1/customers/${cus.id}/grants`, { entitlement: ent.key, reason: "fixture" }),
      "a grant",
    );
    return { id: cus.id, grant_id: grant.id };
  },
  "/v1/coupons": async (api) => ({ id: (await coupon(api)).id }),
  "/v1/promotion-codes": async (api) => {
    const c = await coupon(api);
    return {
      id: created(
        await api("POST", "/v1/promotion-codes", { coupon: c.id, code: unique("FX-CODE") }),
        "a promotion code",
      ).id,
    };
  },
  // A subscription with a discount on it (from its next period).
  "/v1/subscriptions/{id}/discount": async (api) => {
    const sub = await subscription(api);
    const c = await coupon(api);
    created(await api("POST", `/v1/subscriptions/${sub.id}/discount`, { coupon: c.id }), "a discount");
    return { id: sub.id };
  },
  "/v1/events": async (api) => {
    const { cus } = await customer(api);
    const events = await api("GET", `/v1/events?limit=1&object_id=${cus.id}`);
    const id = events.body?.data?.[0]?.id;
    if (!id) throw new Error(`fixture: no event for ${cus.id}: ${JSON.stringify(events.body)}`);
    return { id };
  },
  // The audit consumer records the customer's creation once the worker ran; its request's lineage.
  "/v1/audit/lineage": async (api, drain) => {
    const { cus } = await customer(api);
    await drain();
    const records = await api("GET", `/v1/audit?limit=1&object_id=${cus.id}`);
    const correlation_id = records.body?.data?.[0]?.correlation_id;
    if (!correlation_id) throw new Error(`fixture: no audit record for ${cus.id}: ${JSON.stringify(records.body)}`);
    return { correlation_id };
  },
  "/v1/webhook-endpoints": async (api, drain) => {
    const ep = created(
      await api("POST", "/v1/webhook-endpoints", {
        // `.invalid` never resolves (RFC 6761): accepted when saved, the send fails at once with no
        // network, and the delivery stays.
        url: "http://receiver.invalid/fixture",
        enabled_events: ["customer.created"],
      }),
      "a webhook endpoint",
    );
    await customer(api); // its customer.created event becomes a delivery to the endpoint
    await drain();
    const deliveries = await api("GET", `/v1/webhook-endpoints/${ep.id}/deliveries?limit=1`);
    const delivery_id = deliveries.body?.data?.[0]?.id;
    if (!delivery_id) throw new Error(`fixture: no delivery for ${ep.id}: ${JSON.stringify(deliveries.body)}`);
    return { id: ep.id, delivery_id };
  },
};

/** The fixture for a route's path template: the longest registered prefix. */
export function fixtureFor(pathTemplate: string): { prefix: string; create: Fixture } | undefined {
  const prefix = Object.keys(FIXTURES)
    .filter((p) => pathTemplate === p || pathTemplate.startsWith(`${p}/`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? { prefix, create: FIXTURES[prefix]! } : undefined;
}

/**
 * Request bodies, by `METHOD /path/template`, given tenant A's fixture params for that route.
 * Needed where `{}` would fail validation before the handler could look anything up (the suite
 * must see a 404 from the lookup, not a 400), and to try references to A's objects from tenant B.
 * Routes not listed here are sent `{}`.
 */
export const BODIES: Record<string, (a: (prefix: string) => FixtureParams) => unknown> = {
  "PATCH /v1/entitlements/{id}": () => ({ name: "Changed by another tenant" }),
  "PATCH /v1/users/{id}": () => ({ role: "admin" }),
  "PATCH /v1/bundles/{id}": () => ({ name: "Changed by another tenant" }),
  "POST /v1/bundles/{id}/prices": () => ({ currency: "EUR", amount: 1, interval: "month" }),
  "PATCH /v1/bundles/{id}/prices/{price_id}": () => ({ nickname: "changed" }),
  "PATCH /v1/storefronts/{id}": () => ({ name: "Changed by another tenant" }),
  "PATCH /v1/customers/{id}": () => ({ name: "Changed by another tenant" }),
  // Valid bodies, so that the subscription lookup (404) is what answers another tenant.
  "POST /v1/subscriptions": (a) => ({
    customer: a("/v1/customers").id,
    price: a("/v1/prices").id,
    payment_method: "pm_sandbox_ok",
  }),
  "POST /v1/subscriptions/{id}/cancel": () => ({ at_period_end: false }),
  "POST /v1/subscriptions/{id}/change-plan": (a) => ({ price: a("/v1/prices").id, proration: "now" }),
  "POST /v1/subscriptions/{id}/payment-method": () => ({ payment_method: "pm_sandbox_ok" }),
  // Valid bodies, so that the customer lookup (404) is what answers another tenant.
  "POST /v1/customers/{id}/grants": () => ({ entitlement: "fx-flag", reason: "intruder" }),
  "POST /v1/customers/{id}/payment-methods": () => ({ providers: [{ name: "sandbox", token: "tok_sandbox_ok" }] }),
  "POST /v1/payments/route-preview": (a) => ({ storefront: a("/v1/storefronts").id, amount: 100, currency: "EUR" }),
  "POST /v1/payments": (a) => ({
    customer: a("/v1/customers").id,
    amount: 100,
    currency: "EUR",
    payment_method: "pm_sandbox_ok",
    capture: false,
  }),
  "POST /v1/payments/{id}/capture": () => ({ amount: 50 }),
  // Valid bodies, so that the storefront lookup (404) is what answers another tenant.
  "PUT /v1/storefronts/{id}/channels/{channel}": () => ({ config: { bundle_id: "intruder" } }),
  "PUT /v1/storefronts/{id}/channels/{channel}/products/{vendor_product_id}": (a) => ({ price: a("/v1/prices").id }),
  "POST /v1/storefronts/{id}/channels/{channel}/links": (a) => ({
    vendor_subscription_id: "intruder",
    customer: a("/v1/customers").id,
  }),
  "POST /v1/storefronts/{id}/channels/paypal/subscriptions": (a) => ({
    customer: a("/v1/customers").id,
    plan_id: "P-INTRUDER",
    return_url: "https://intruder.example/return",
    cancel_url: "https://intruder.example/cancel",
  }),
  "POST /v1/storefronts/{id}/channels/paypal/subscriptions/{vendor_subscription_id}/cancel": () => ({
    reason: "intruder",
  }),
  "POST /v1/storefronts/{id}/channels/telecom/authorisations": (a) => ({
    customer: a("/v1/customers").id,
    product: "intruder",
    flow: "he",
    country: "EE",
    channel_code: "sandbox-ee",
  }),
  "POST /v1/storefronts/{id}/channels/telecom/authorisations/{charging_token}/pin": () => ({ pin: "1234" }),
  "POST /v1/customers/{id}/usage": () => ({ entitlement: "fx-quota", quantity: 1 }),
  "POST /v1/customers/{id}/entitlements/check": () => ({ entitlement: "fx-flag", consume: true }),
  "POST /v1/prices/{id}/migrations": (a) => ({ to_price: a("/v1/prices").id, strategy: "grandfather" }),
  "POST /v1/subscriptions/{id}/price-change/consent": () => ({ text_version: "v1", method: "api" }),
  "POST /v1/subscriptions/{id}/price-change/decline": () => ({ text_version: "v1", method: "api" }),
  "POST /v1/customers/{id}/consents": () => ({
    purpose: "marketing_email",
    status: "granted",
    text_version: "v1",
    method: "api",
  }),
  "PATCH /v1/webhook-endpoints/{id}": () => ({ description: "Changed by another tenant" }),
  "PATCH /v1/coupons/{id}": () => ({ name: "Changed by another tenant" }),
  // Valid bodies naming A's coupon, so that the subscription or customer lookup (404) answers B.
  "POST /v1/subscriptions/{id}/discount": (a) => ({ coupon: a("/v1/coupons").id }),
  "POST /v1/customers/{id}/campaign-offers": (a) => ({ coupon: a("/v1/coupons").id }),
  // Valid bodies, so that the storefront or customer lookup (404) is what answers another tenant.
  "PUT /v1/storefronts/{id}/legal-entity": () => ({
    legal_name: "Intruder",
    address: { line1: "Weg 1", city: "Berlin", country: "DE" },
  }),
  "POST /v1/invoices/backfill": (a) => ({ storefront: a("/v1/storefronts").id, dry_run: true }),
  "PUT /v1/customers/{id}/billing-details": () => ({
    name: "Intruder",
    address: { line1: "Weg 1", city: "Berlin", country: "DE" },
  }),
  // Creating objects in B that point at A's objects must fail as if they did not exist.
  "POST /v1/customers": (a) => ({ storefront: a("/v1/storefronts").id, external_id: "intruder" }),
  "POST /v1/storefronts": (a) => ({ key: "intruder", name: "Intruder", type: "web", bundles: [a("/v1/bundles").id] }),
};

/**
 * Path prefixes of what belongs to a tenant as a whole (its people and their roles): the same seen
 * from every environment, so the cross-environment case of the route suite does not apply to them.
 */
export const TENANT_WIDE_PREFIXES: readonly string[] = ["/v1/users", "/v1/roles"];

/**
 * Routes that need no credential at all (JWKS, say). Listing one here is a deliberate act: the
 * suite fails for an `x-permission: public` route that is not listed.
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set<string>([
  // Entitlement-token verification keys: public by design (DESIGN §5), one set per tenant + environment.
  "GET /v1/jwks/{tenant}/{environment}",
  "GET /.well-known/jwks/{tenant}/{environment}",
  // Signing in: authenticated by what they carry (a password, a refresh token, an invitation token).
  "POST /v1/auth/login",
  "POST /v1/auth/refresh",
  "POST /v1/auth/invitations/accept",
  // Password reset: asked for by email (the answer never says whether it exists), used with a token.
  "POST /v1/auth/password/forgot",
  "POST /v1/auth/password/reset",
  // Payment providers push events here; the adapter verifies them the vendor's way (DESIGN §7).
  "POST /v1/providers/{provider}/webhooks/{storefront}",
  // Subscription channels' vendors push here; the channel adapter verifies the vendor's signature.
  "POST /v1/channels/app-store/{storefront_id}/notifications",
  "POST /v1/channels/play-store/{storefront_id}/notifications",
  "POST /v1/channels/paypal/{storefront_id}/webhooks",
  "POST /v1/channels/telecom/{storefront_id}/callbacks",
]);
