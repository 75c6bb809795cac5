import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, subscribe } from "../../../test/billing-setup.js";
import { member } from "../../../test/fixtures.js";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { memoryChannel } from "../../../test/memory-channel.js";
import { withSystemAccess } from "../../db/access.js";
import { storefrontPage } from "./pages/storefront.js";
import { type Browser, signIn } from "./test-browser.js";

/*
 * What the console edits through the API: a storefront's name and dunning, payment providers and
 * their write-only credentials, routing, channels and their secrets, the product map and the
 * legal entity; a customer's consents, billing details and campaign offers; a subscription's
 * discount. Each with a role that may and one that may not, and the secrets set through the
 * console looked for in every console page of the storefront.
 */

let ctx: TestContext;
let acme: TestTenant;
let cat: BillingCatalog;
let admin: Browser;
let developer: Browser;
let viewer: Browser;
let support: Browser;
let finance: Browser;
let storefront: string;
const page = (path: string) => `/console/t/edits/development/${path}`;
// Secrets typed into the console's forms: none may ever come back in a console response.
const STRIPE_KEY = "sk_test_consoleWriteOnlyAlpha";
const STRIPE_KEY_2 = "sk_test_consoleWriteOnlyBravo";
const STORE_SECRET = "store-secret-Charlie-never-shown";
const FISCAL_KEY = "fiscal-key-Delta-never-shown";
const SECRETS = [STRIPE_KEY, STRIPE_KEY_2, STORE_SECRET, FISCAL_KEY];
const seen: string[] = [];
/** Everything the server logged, at its most talkative level: no secret may be in it either. */
const logged: string[] = [];

/** A console request whose answer (body and headers) is kept, to look for secrets at the end. */
async function send(b: Browser, method: string, path: string, form?: Record<string, string>) {
  const res = await b.request(method, path, form ? { _csrf: b.csrf(), ...form } : undefined);
  const headers: string[] = [];
  res.headers.forEach((value, name) => {
    headers.push(`${name}: ${value}`);
  });
  seen.push(res.html, ...headers);
  return res;
}

/** The refusal shown on one form of a page shown again ("" when that form shows none). */
const errorOn = (html: string, form: string) =>
  new RegExp(`<p class="error" role="alert" id="${form}-error">([^<]*)</p>`).exec(html)?.[1] ?? "";

beforeAll(async () => {
  const logger = pino({ level: "trace" }, { write: (line: string) => void logged.push(line) });
  ctx = await createTestApp({ logger }, { channels: [memoryChannel("app_store")] });
  acme = await withSystemAccess(() => createTestTenant(ctx, "edits"));
  cat = await billingCatalog(acme.api);
  const made = await acme.api("POST", "/v1/storefronts", {
    key: "edited",
    name: "Edited shop",
    type: "web",
    bundles: [cat.bundles.pro],
    payment_providers: [{ name: "sandbox" }],
  });
  expect(made.status).toBe(201);
  storefront = made.body.id;
  admin = await signIn(ctx, (await member(acme.api, "admin")).user.email);
  developer = await signIn(ctx, (await member(acme.api, "developer")).user.email);
  viewer = await signIn(ctx, (await member(acme.api, "viewer")).user.email);
  support = await signIn(ctx, (await member(acme.api, "support")).user.email);
  finance = await signIn(ctx, (await member(acme.api, "finance")).user.email);
});
afterAll(() => ctx?.close());

const sf = (action = "") => page(`catalog/storefronts/${storefront}${action ? `/${action}` : ""}`);
const stored = async () => (await acme.api("GET", `/v1/storefronts/${storefront}`)).body;

describe("a storefront's settings", () => {
  it("saves the name and retry days, and shows a refused value on the form", async () => {
    const saved = await send(developer, "POST", sf("update-general"), { name: "Renamed shop", retry_days: "2, 4" });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toContain("notice=");
    expect(await stored()).toMatchObject({ name: "Renamed shop", dunning: { retry_days: [2, 4] } });
    const bad = await send(developer, "POST", sf("update-general"), { name: "Renamed shop", retry_days: "4, 2" });
    expect(bad.status).toBe(400);
    expect(errorOn(bad.html, "general")).toContain("must be in increasing order");
    expect(bad.html).toContain('value="4, 2"');
    expect((await stored()).dunning.retry_days).toEqual([2, 4]);
  });

  it("creates a storefront from the catalog, sells and stops selling a bundle, archives and reactivates it", async () => {
    const made = await send(developer, "POST", page("catalog/create-storefront"), {
      key: "kiosk",
      name: "Kiosk",
      type: "partner",
      provider: "sandbox",
    });
    const [kiosk] = (await acme.api("GET", "/v1/storefronts")).body.data.filter((s: Json) => s.key === "kiosk");
    expect(kiosk).toMatchObject({ name: "Kiosk", type: "partner", payment_providers: [{ name: "sandbox" }] });
    expect(made.headers.get("location")).toContain(`catalog/storefronts/${kiosk.id}?notice=`);
    const again = await send(developer, "POST", page("catalog/create-storefront"), {
      key: "kiosk",
      name: "Kiosk two",
      type: "web",
      provider: "",
    });
    expect(again.status).toBe(409);
    expect(errorOn(again.html, "storefront-new")).not.toBe("");
    expect(again.html).toContain('value="Kiosk two"');
    expect((await send(viewer, "GET", page("catalog"))).html).not.toContain("New storefront");

    const k = (action: string) => page(`catalog/storefronts/${kiosk.id}/${action}`);
    await send(developer, "POST", k("bundle-add"), { bundle: cat.bundles.premium });
    expect((await acme.api("GET", `/v1/storefronts/${kiosk.id}`)).body.bundles).toEqual([cat.bundles.premium]);
    expect((await send(viewer, "GET", page(`catalog/storefronts/${kiosk.id}`))).html).not.toContain("Stop selling");
    expect((await send(viewer, "POST", k("bundle-remove"), { bundle: cat.bundles.premium })).status).toBe(403);
    await send(developer, "POST", k("bundle-remove"), { bundle: cat.bundles.premium });
    expect((await acme.api("GET", `/v1/storefronts/${kiosk.id}`)).body.bundles).toEqual([]);
    await send(developer, "POST", k("set-status"), { status: "archived" });
    expect((await acme.api("GET", `/v1/storefronts/${kiosk.id}`)).body.status).toBe("archived");
    await send(developer, "POST", k("set-status"), { status: "active" });
    expect((await acme.api("GET", `/v1/storefronts/${kiosk.id}`)).body.status).toBe("active");
  });

  it("adds a provider with write-only credentials, orders, configures and removes providers", async () => {
    const added = await send(admin, "POST", sf("provider-add"), {
      name: "stripe",
      config: '{"timeout_ms": 5000}',
      secret_name_0: "secret_key",
      secret_value_0: STRIPE_KEY,
    });
    expect(added.headers.get("location")).toContain("notice=");
    expect((await stored()).payment_providers).toEqual([
      { name: "sandbox", config: {}, has_credentials: false },
      { name: "stripe", config: { timeout_ms: 5000 }, has_credentials: true },
    ]);
    const credentials = (name: string) =>
      withSystemAccess(() => ctx.services.storefronts.providerCredentials(acme.scopes.development!, storefront, name));
    expect(await credentials("stripe")).toEqual({ secret_key: STRIPE_KEY });

    const moved = await send(admin, "POST", sf("provider-move"), { name: "stripe", direction: "up" });
    expect(moved.status).toBe(303);
    expect((await stored()).payment_providers.map((p: Json) => p.name)).toEqual(["stripe", "sandbox"]);

    // Settings saved without touching the credentials; bad JSON is shown on the form, nothing saved.
    await send(admin, "POST", sf("provider-settings"), { name: "stripe", config: '{"timeout_ms": 8000}' });
    expect((await stored()).payment_providers[0].config).toEqual({ timeout_ms: 8000 });
    expect(await credentials("stripe")).toEqual({ secret_key: STRIPE_KEY });
    const notJson = await send(admin, "POST", sf("provider-settings"), { name: "stripe", config: "{timeout" });
    expect(notJson.status).toBe(400);
    expect(errorOn(notJson.html, "provider-stripe")).toContain("Settings: not valid JSON");

    // A secrets form refused (a name without its value) never writes the value it got back.
    const half = await send(admin, "POST", sf("provider-secrets"), {
      name: "stripe",
      secret_name_0: "secret_key",
      secret_value_0: STRIPE_KEY_2,
      secret_name_1: "webhook_secret",
      secret_value_1: "",
    });
    expect(half.status).toBe(400);
    expect(errorOn(half.html, "provider-stripe-secrets")).toContain("Secret webhook_secret: enter its value");
    expect(await credentials("stripe")).toEqual({ secret_key: STRIPE_KEY });
    const replaced = await send(admin, "POST", sf("provider-secrets"), {
      name: "stripe",
      secret_name_0: "secret_key",
      secret_value_0: STRIPE_KEY_2,
    });
    expect(replaced.headers.get("location")).toContain("notice=");
    expect(await credentials("stripe")).toEqual({ secret_key: STRIPE_KEY_2 });
    const shownPage = await send(admin, "GET", sf());
    expect(shownPage.html).toContain("<td>set</td>");
    expect(shownPage.html).toMatch(/last changed <time datetime="[^"]+">/);

    const removed = await send(admin, "POST", sf("provider-remove"), { name: "sandbox" });
    expect(removed.status).toBe(303);
    expect((await stored()).payment_providers.map((p: Json) => p.name)).toEqual(["stripe"]);
    await send(admin, "POST", sf("provider-add"), { name: "sandbox", config: "{}" });
  });

  it("sets a fiscal provider and its credentials, then removes it", async () => {
    await send(admin, "POST", sf("fiscal-set"), { name: "tr-earsiv", config: '{"base_url": "http://127.0.0.1:9"}' });
    const secrets = await send(admin, "POST", sf("fiscal-secrets"), {
      secret_name_0: "api_key",
      secret_value_0: FISCAL_KEY,
    });
    expect(secrets.headers.get("location")).toContain("notice=");
    expect((await stored()).fiscal_provider).toEqual({
      name: "tr-earsiv",
      config: { base_url: "http://127.0.0.1:9" },
      has_credentials: true,
    });
    expect((await send(admin, "GET", sf())).html).toContain("credentials set");
    await send(admin, "POST", sf("fiscal-remove"), {});
    expect((await stored()).fiscal_provider).toBeNull();
  });

  it("sets the trial policy, with the API's refusal on the form", async () => {
    const saved = await send(developer, "POST", sf("trial-policy"), {
      one_per_customer: "on",
      one_per_email: "on",
      family: "bundle",
      lookback_days: "365",
      on_ineligible: "start_without_trial",
    });
    expect(saved.headers.get("location")).toContain("notice=");
    const policy = (await acme.api("GET", `/v1/storefronts/${storefront}/trial-policy`)).body;
    expect(policy).toMatchObject({
      one_per: ["customer", "email"],
      family: "bundle",
      lookback_days: 365,
      on_ineligible: "start_without_trial",
    });
    const bad = await send(developer, "POST", sf("trial-policy"), {
      family: "bundle",
      lookback_days: "0",
      on_ineligible: "refuse",
    });
    expect(bad.status).toBe(400);
    expect(errorOn(bad.html, "trial-policy")).toContain("lookback_days");
    expect((await acme.api("GET", `/v1/storefronts/${storefront}/trial-policy`)).body.lookback_days).toBe(365);
  });

  it("replaces the payment routing, and shows the API's refusal on the form", async () => {
    const form = {
      weight_success: "50",
      weight_cost: "30",
      weight_geography: "10",
      weight_order: "20",
      feature_partial_refund: "on",
      rules: '[{"name": "EU", "currencies": ["EUR"], "providers": ["stripe", "sandbox"]}]',
      fees: '[{"provider": "stripe", "percent_bps": 290, "fixed": 30}]',
      geography: "[]",
      network_retry_caps: '{"visa": 15}',
    };
    const saved = await send(developer, "POST", sf("routing"), form);
    expect(saved.headers.get("location")).toContain("notice=");
    const routing = (await acme.api("GET", `/v1/storefronts/${storefront}/payment-routing`)).body;
    expect(routing).toMatchObject({
      weights: { success: 50, cost: 30, geography: 10, order: 20 },
      required_features: ["partial_refund"],
      rules: [{ name: "EU", providers: ["stripe", "sandbox"] }],
      fees: [{ provider: "stripe", percent_bps: 290, fixed: 30 }],
    });
    const refused = await send(developer, "POST", sf("routing"), {
      ...form,
      rules: '[{"name": "x", "providers": ["nope"]}]',
    });
    expect(refused.status).toBe(400);
    expect(errorOn(refused.html, "routing")).toContain("nope");
    expect((await acme.api("GET", `/v1/storefronts/${storefront}/payment-routing`)).body.rules[0].name).toBe("EU");
  });

  it("enables a channel with secrets, edits its settings, replaces and clears its secrets, maps a product", async () => {
    const enabled = await send(admin, "POST", sf("channel-enable"), {
      channel: "app_store",
      config: '{"bundle_id": "com.example.edit"}',
      secret_name_0: "secret",
      secret_value_0: STORE_SECRET,
    });
    expect(enabled.headers.get("location")).toContain("notice=");
    expect((await stored()).channels).toContain("app_store");
    const load = () =>
      withSystemAccess(() => ctx.services.channelSettings.load(acme.scopes.development!, storefront, "app_store"));
    expect(await load()).toEqual({ config: { bundle_id: "com.example.edit" }, credentials: { secret: STORE_SECRET } });

    await send(admin, "POST", sf("channel-settings"), {
      channel: "app_store",
      config: '{"bundle_id": "com.example.two"}',
    });
    expect(await load()).toEqual({ config: { bundle_id: "com.example.two" }, credentials: { secret: STORE_SECRET } });
    const page1 = await send(admin, "GET", sf());
    // The secret's name is listed and offered in the form; its value never.
    expect(page1.html).toMatch(/<dt>Secrets set<\/dt><dd>secret<\/dd>/);
    expect(page1.html).toContain('name="secret_name_0" value="secret"');

    const mapped = await send(admin, "POST", sf("channel-map"), {
      channel: "app_store",
      vendor_product_id: "com.example.edit.gold",
      price: cat.prices.monthly,
    });
    expect(mapped.headers.get("location")).toContain("notice=");
    expect((await send(viewer, "GET", sf())).html).toContain("com.example.edit.gold");
    await send(admin, "POST", sf("channel-unmap"), {
      channel: "app_store",
      vendor_product_id: "com.example.edit.gold",
    });
    const products = await acme.api("GET", `/v1/storefronts/${storefront}/channels/app_store/products`);
    expect(products.body.data).toEqual([]);

    const cleared = await send(admin, "POST", sf("channel-secrets"), { channel: "app_store", clear: "true" });
    expect(cleared.headers.get("location")).toContain("notice=");
    expect(await load()).toEqual({ config: { bundle_id: "com.example.two" }, credentials: {} });
    await send(admin, "POST", sf("channel-secrets"), {
      channel: "app_store",
      secret_name_0: "secret",
      secret_value_0: STORE_SECRET,
    });
    expect((await load()).credentials).toEqual({ secret: STORE_SECRET });
  });

  it("sets the legal entity for invoices:write, with the API's refusal on the form", async () => {
    const entity = {
      legal_name: "Edited GmbH",
      line1: "Hauptstr. 1",
      line2: "",
      postal_code: "10115",
      city: "Berlin",
      region: "",
      country: "DE",
      vat_id: "DE123456789",
      tax_number: "",
      tax_office: "",
      email: "",
      invoice_series: "ED",
      credit_note_series: "EDC",
      numbering_reset: "yearly",
      prices_include_tax: "true",
    };
    const bad = await send(admin, "POST", sf("legal-entity"), { ...entity, vat_id: "XX1" });
    expect(bad.status).toBe(400);
    expect(errorOn(bad.html, "legal-entity")).toContain("vat_id");
    expect(bad.html).toContain('value="Edited GmbH"');
    const saved = await send(admin, "POST", sf("legal-entity"), entity);
    expect(saved.headers.get("location")).toContain("notice=");
    const legal = (await acme.api("GET", `/v1/storefronts/${storefront}/legal-entity`)).body;
    expect(legal).toMatchObject({ legal_name: "Edited GmbH", vat_id: "DE123456789", invoice_series: "ED" });
    // A developer may change the storefront but not its invoicing: no form, and refused.
    const dev = await send(developer, "GET", sf());
    expect(dev.html).toContain("Edit payment routing");
    expect(dev.html).not.toContain("Save legal entity");
    expect((await send(developer, "POST", sf("legal-entity"), entity)).status).toBe(403);
  });

  it("shows a viewer no form and refuses every storefront action", async () => {
    const read = await send(viewer, "GET", sf());
    expect(read.status).toBe(200);
    for (const label of [
      "Edit name and dunning",
      "Add a payment provider",
      "Edit payment routing",
      "Edit the trial policy",
      "Replace secrets",
    ])
      expect(read.html).not.toContain(label);
    // No action of the page is offered: its only form is the header's sign-out.
    expect(read.html).not.toContain(`action="${sf()}/`);
    expect((await send(admin, "GET", sf())).html).toContain(`action="${sf()}/`);
    const actions = Object.keys(storefrontPage.actions ?? {});
    expect(actions.length).toBeGreaterThan(15);
    for (const action of actions) {
      const res = await send(viewer, "POST", sf(action), { name: "stripe", channel: "app_store", secret_name_0: "x" });
      expect(res.status, action).toBe(403);
    }
    const catalogAsViewer = await send(viewer, "POST", page("catalog/create-storefront"), { key: "nope", name: "N" });
    expect(catalogAsViewer.status).toBe(403);
    expect((await stored()).name).toBe("Renamed shop");
  });

  it("never answers (nor logs) a secret set through the console, on any page of the storefront", async () => {
    const events = (await acme.api("GET", "/v1/events?limit=100")).body.data as Json[];
    const paths = [
      sf(),
      page("catalog"),
      page("developers/events"),
      page(`developers/events?object_id=${storefront}`),
      ...events.filter((e) => e.type.startsWith("storefront.")).map((e) => page(`developers/events/${e.id}`)),
      page("audit"),
      page(`audit?object=${storefront}`),
    ];
    for (const b of [admin, developer, viewer]) for (const path of paths) await send(b, "GET", path);
    expect(events.some((e) => e.type === "storefront.credentials_updated")).toBe(true);
    const all = seen.join("\n");
    expect(logged.join("").length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(logged.join("")).not.toContain(secret);
    expect(all).toContain("Renamed shop");
    for (const secret of SECRETS) expect(all).not.toContain(secret);
  });
});

describe("a customer's consents, billing details and campaign offers", () => {
  it("records and withdraws a consent for support; a viewer has no form and is refused", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const customer = sub.customer;
    const c = (action = "") => page(`customers/${customer}${action ? `/${action}` : ""}`);
    const recorded = await send(support, "POST", c("consent"), {
      purpose: "marketing_email",
      status: "granted",
      text_version: "v7",
      method: "phone",
      occurred_at: "",
    });
    expect(recorded.headers.get("location")).toContain("notice=");
    const current = async () => (await acme.api("GET", `/v1/customers/${customer}/consents`)).body.current;
    expect((await current()).marketing_email).toMatchObject({ status: "granted", text_version: "v7" });
    const history = (await acme.api("GET", `/v1/customers/${customer}/consents/history`)).body.data;
    expect(history[0].recorded_by).toMatchObject({ type: "user" });
    const shownPage = await send(support, "GET", c());
    expect(shownPage.html).toContain("Withdraw marketing_email");
    const withdrawn = await send(support, "POST", c("consent"), {
      purpose: "marketing_email",
      status: "withdrawn",
      text_version: "v7",
      method: "email_link",
    });
    expect(withdrawn.headers.get("location")).toContain("notice=");
    expect((await current()).marketing_email.status).toBe("withdrawn");
    const bad = await send(support, "POST", c("consent"), {
      purpose: "terms",
      status: "granted",
      text_version: "",
      method: "phone",
    });
    expect(bad.status).toBe(400);
    expect(errorOn(bad.html, "consent")).toContain("text_version");

    const read = await send(viewer, "GET", c());
    expect(read.html).not.toContain("Record a consent");
    expect(read.html).not.toContain("Withdraw ");
    const refused = await send(viewer, "POST", c("consent"), {
      purpose: "terms",
      status: "granted",
      text_version: "v1",
      method: "phone",
    });
    expect(refused.status).toBe(403);
    expect((await current()).terms).toBeUndefined();
  });

  it("edits billing details for finance; support reads them, without the form", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const c = (action = "") => page(`customers/${sub.customer}${action ? `/${action}` : ""}`);
    const details = {
      type: "business",
      name: "Buyer AG",
      line1: "Ring 5",
      line2: "",
      postal_code: "1010",
      city: "Wien",
      region: "",
      country: "AT",
      vat_id: "ATU12345678",
      tax_number: "",
    };
    const bad = await send(finance, "POST", c("billing-details"), { ...details, country: "Austria" });
    expect(bad.status).toBe(400);
    expect(errorOn(bad.html, "billing-details")).toContain("address.country");
    expect(bad.html).toContain('value="Buyer AG"');
    const saved = await send(finance, "POST", c("billing-details"), details);
    expect(saved.headers.get("location")).toContain("notice=");
    const stored = (await acme.api("GET", `/v1/customers/${sub.customer}/billing-details`)).body;
    expect(stored).toMatchObject({ type: "business", name: "Buyer AG", vat_id: "ATU12345678" });
    const read = await send(support, "GET", c());
    expect(read.html).toContain("Buyer AG");
    expect(read.html).not.toContain("Save billing details");
    expect((await send(support, "POST", c("billing-details"), details)).status).toBe(403);
  });

  it("shows campaign offers, and lets an admin (campaigns:offer) offer one; support only reads", async () => {
    const coupon = await acme.api("POST", "/v1/coupons", {
      name: "Come back",
      percent_off: 30,
      duration: "once",
      trigger: { type: "api" },
    });
    expect(coupon.status).toBe(201);
    const sub = await subscribe(acme.api, cat, {});
    const c = (action = "") => page(`customers/${sub.customer}${action ? `/${action}` : ""}`);
    expect((await send(support, "GET", c())).html).toContain("No campaign offers.");
    expect((await send(admin, "GET", c())).html).toContain("Offer a campaign");
    const offered = await send(admin, "POST", c("offer"), { coupon: coupon.body.id });
    expect(offered.headers.get("location")).toContain("notice=");
    const read = await send(support, "GET", c());
    expect(read.html).toContain(`<code>${coupon.body.id}</code>`);
    expect(read.html).not.toContain("Offer a campaign");
    expect((await send(support, "POST", c("offer"), { coupon: coupon.body.id })).status).toBe(403);
    const offers = (await acme.api("GET", `/v1/customers/${sub.customer}/campaign-offers`)).body.data;
    expect(offers).toHaveLength(1);
  });
});

describe("a subscription's discount", () => {
  it("applies a promotion code and ends the discount for support; a viewer has no button and is refused", async () => {
    const coupon = (await acme.api("POST", "/v1/coupons", { name: "Ten off", percent_off: 10, duration: "forever" }))
      .body;
    expect((await acme.api("POST", "/v1/promotion-codes", { coupon: coupon.id, code: "TENOFF" })).status).toBe(201);
    const sub = await subscribe(acme.api, cat, {});
    const s = (action = "") => page(`subscriptions/${sub.id}${action ? `/${action}` : ""}`);
    const unknown = await send(support, "POST", s("apply-discount"), { promotion_code: "NOPE", coupon: "" });
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expect(errorOn(unknown.html, "discount")).not.toBe("");
    const applied = await send(support, "POST", s("apply-discount"), { promotion_code: "tenoff", coupon: "" });
    expect(applied.headers.get("location")).toContain("notice=");
    const discount = await acme.api("GET", `/v1/subscriptions/${sub.id}/discount`);
    expect(discount.body).toMatchObject({ coupon: coupon.id, status: "active" });
    const shownPage = await send(support, "GET", s());
    expect(shownPage.html).toContain(`coupon <code>${coupon.id}</code>`);
    expect(shownPage.html).toContain("(code TENOFF)");
    expect(shownPage.html).toContain(">End discount</button>");

    const read = await send(viewer, "GET", s());
    expect(read.html).not.toContain("End discount");
    expect(read.html).not.toContain("Apply discount");
    expect((await send(viewer, "POST", s("end-discount"), {})).status).toBe(403);
    expect((await send(viewer, "POST", s("apply-discount"), { promotion_code: "TENOFF" })).status).toBe(403);
    expect((await acme.api("GET", `/v1/subscriptions/${sub.id}/discount`)).status).toBe(200);

    const ended = await send(support, "POST", s("end-discount"), {});
    expect(ended.headers.get("location")).toContain("notice=");
    expect((await acme.api("GET", `/v1/subscriptions/${sub.id}/discount`)).status).toBe(404);
  });
});
