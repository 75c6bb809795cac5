import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer, subscribe } from "../../../test/billing-setup.js";
import { member } from "../../../test/fixtures.js";
import type { Json } from "../../../test/harness.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { setLegalEntity } from "../../../test/invoicing-setup.js";
import { memoryChannel, signMemory } from "../../../test/memory-channel.js";
import { withSystemAccess } from "../../db/access.js";
import { type Browser, signIn } from "./test-browser.js";

/*
 * The console's pages for invoices, a payment's routing and attempts, the customer's payment
 * methods, invoices, consents and timeline (with a store's notifications), a store subscription's
 * vendor ids, a storefront's channels and fiscal settings, retention and safe mode — over HTTP, with the roles that may and may not use them.
 * A memory vendor stands in for the App Store (test/memory-channel.ts).
 */

let ctx: TestContext;
let acme: TestTenant;
let cat: BillingCatalog;
let sub: Json;
let admin: Browser;
let viewer: Browser;
let support: Browser;
const page = (path: string) => `/console/t/console/development/${path}`;

beforeAll(async () => {
  ctx = await createTestApp({}, { channels: [memoryChannel("app_store")] });
  acme = await withSystemAccess(() => createTestTenant(ctx, "console"));
  cat = await billingCatalog(acme.api);
  await setLegalEntity(acme.api, cat.storefront);
  sub = await subscribe(acme.api, cat, {});
  await ctx.services.worker.drain();
  admin = await signIn(ctx, (await member(acme.api, "admin")).user.email);
  viewer = await signIn(ctx, (await member(acme.api, "viewer")).user.email);
  support = await signIn(ctx, (await member(acme.api, "support")).user.email);
});
afterAll(() => ctx?.close());

describe("invoices", () => {
  it("lists invoices with the API's filters and shows one with its lines", async () => {
    const [invoice] = (await acme.api("GET", `/v1/invoices?subscription=${sub.id}`)).body.data;
    expect(invoice).toBeDefined();
    const list = await viewer.request("GET", page("invoices"));
    expect(list.status).toBe(200);
    expect(list.html).toContain(invoice.number);
    expect(list.html).toContain(`invoices/${invoice.id}/pdf`);
    const other = await viewer.request("GET", page(`invoices?customer=${await newCustomer(acme.api, cat.storefront)}`));
    expect(other.html).not.toContain(invoice.number);
    expect(other.html).toContain("No invoices match.");
    const notes = await viewer.request("GET", page(`invoices?kind=credit-notes&subscription=${sub.id}`));
    expect(notes.html).toContain("No credit notes match.");
    const one = await viewer.request("GET", page(`invoices/${invoice.id}`));
    expect(one.status).toBe(200);
    expect(one.html).toContain(invoice.lines[0].description);
    expect(one.html).toContain("Tessera Demo GmbH");
  });

  it("hands on the API's PDF and XML as downloads", async () => {
    const [invoice] = (await acme.api("GET", `/v1/invoices?subscription=${sub.id}`)).body.data;
    const pdf = await viewer.request("GET", page(`invoices/${invoice.id}/pdf`));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.headers.get("content-disposition")).toBe(`attachment; filename="${invoice.id}.pdf"`);
    expect(new TextDecoder().decode(pdf.bytes.slice(0, 5))).toBe("%PDF-");
    expect(pdf.headers.get("content-security-policy")).toContain("default-src 'none'");
    const xml = await viewer.request("GET", page(`invoices/${invoice.id}/xml`));
    expect(xml.status).toBe(200);
    expect(xml.headers.get("content-type")).toMatch(/xml/);
    expect(xml.html).toContain(`<cbc:ID>${invoice.number}</cbc:ID>`);
    const missing = await viewer.request("GET", page("invoices/inv_nope/pdf"));
    expect(missing.html).toContain("NOT_FOUND");
  });
});

describe("a payment", () => {
  it("shows its routing decision, attempts and invoice, and lets finance refund from it", async () => {
    const payment = sub.latest_payment;
    const res = await viewer.request("GET", page(`payments/${payment.id}`));
    expect(res.status).toBe(200);
    expect(res.html).toContain("Routing decision");
    expect(res.html).toContain("Candidates in the order they are tried");
    expect(res.html).toContain(payment.idempotency_key);
    expect(res.html).toContain("Fiscal documents of this payment");
    expect(res.html).not.toContain(">Refund</button>");
    const viewerRefund = await viewer.request("POST", page(`payments/${payment.id}/refund`), {
      _csrf: viewer.csrf(),
      payment: payment.id,
      amount: "100",
    });
    expect(viewerRefund.status).toBe(403);
    const finance = await signIn(ctx, (await member(acme.api, "finance")).user.email);
    expect((await finance.request("GET", page(`payments/${payment.id}`))).html).toContain(">Refund</button>");
    const refunded = await finance.request("POST", page(`payments/${payment.id}/refund`), {
      _csrf: finance.csrf(),
      payment: payment.id,
      amount: "100",
    });
    expect(refunded.headers.get("location")).toContain(`payments/${payment.id}?notice=Refunded`);
    expect((await acme.api("GET", `/v1/payments/${payment.id}`)).body.refunded_amount).toBe(100);
    // The payments list (filtered by customer or subscription) and the subscription link to it.
    expect((await viewer.request("GET", page("payments"))).html).toContain(`payments/${payment.id}"`);
    expect((await viewer.request("GET", page(`payments?customer=${sub.customer}`))).html).toContain(payment.id);
    const other = await viewer.request("GET", page(`payments?customer=${await newCustomer(acme.api, cat.storefront)}`));
    expect(other.html).not.toContain(payment.id);
    expect(other.html).toContain("No payments match.");
    expect((await viewer.request("GET", page(`subscriptions/${sub.id}`))).html).toContain(`payments/${payment.id}"`);
  });
});

describe("the subscription page", () => {
  it("shows the dunning schedule, and leads support (not a viewer) to grant a comp", async () => {
    const seen = await viewer.request("GET", page(`subscriptions/${sub.id}`));
    expect(seen.html).toContain("schedule: retries day 1, day 3, day 5, day 7 after a failed charge, then suspended");
    expect(seen.html).not.toContain("Grant a comp");
    const helped = await support.request("GET", page(`subscriptions/${sub.id}`));
    expect(helped.html).toContain(`customers/${sub.customer}#entitlements-h">Grant a comp</a>`);
  });
});

describe("the customer page", () => {
  it("shows payment methods, invoices and consents", async () => {
    const method = await acme.api("POST", `/v1/customers/${sub.customer}/payment-methods`, {
      providers: [{ name: "sandbox", token: "tok_sandbox_ok" }],
    });
    expect(method.status).toBe(201);
    const consent = await acme.api("POST", `/v1/customers/${sub.customer}/consents`, {
      purpose: "marketing_email",
      status: "granted",
      text_version: "2026-01",
      method: "web_form",
    });
    expect(consent.status).toBe(201);
    const [invoice] = (await acme.api("GET", `/v1/invoices?customer=${sub.customer}`)).body.data;
    const res = await viewer.request("GET", page(`customers/${sub.customer}`));
    expect(res.status).toBe(200);
    expect(res.html).toContain(method.body.id);
    expect(res.html).toContain("marketing_email");
    expect(res.html).toContain("2026-01");
    expect(res.html).toContain(invoice.number);
  });

  it("shows the customer's usage records page by page to roles that read entitlements, not to finance", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const quota = await acme.api("POST", "/v1/entitlements", {
      key: "console-calls",
      name: "Calls",
      kind: "quota",
      period: "day",
    });
    expect(quota.status).toBe(201);
    const grant = { entitlement: "console-calls", limit: 1000, reason: "usage panel" };
    expect((await acme.api("POST", `/v1/customers/${customer}/grants`, grant)).status).toBe(201);
    const taken = await acme.api("POST", `/v1/customers/${customer}/entitlements/check`, {
      entitlement: "console-calls",
      quantity: 7,
      consume: true,
    });
    expect(taken.body.allowed).toBe(true);
    // One more than the panel's page of 20, so the oldest (the check) is on the second page.
    for (let i = 1; i <= 20; i++) {
      const res = await acme.api("POST", `/v1/customers/${customer}/usage`, {
        entitlement: "console-calls",
        quantity: i,
      });
      expect(res.status).toBe(201);
    }
    const day = ctx.clock.now().toISOString().slice(0, 10);
    const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
    const row = (quantity: number, source: string) =>
      `<tr><td>console-calls</td><td><span class="num">${quantity}</span></td><td>${day} – ${next}</td><td>${source}</td>`;
    // Only the usage panel's own section, so other panels' words cannot satisfy the assertions.
    const usageOf = (html: string) => html.slice(html.indexOf('id="usage-h"'), html.indexOf('id="payments-h"'));
    const first = await viewer.request("GET", page(`customers/${customer}`));
    expect(first.status).toBe(200);
    const latest = usageOf(first.html);
    expect(latest.split("<tr><td>console-calls</td>")).toHaveLength(21);
    expect(latest.indexOf(row(20, "recorded"))).toBeGreaterThan(0);
    expect(latest.indexOf(row(20, "recorded"))).toBeLessThan(latest.indexOf(row(1, "recorded")));
    expect(latest).not.toContain("taken by a check");
    const older = latest.match(/href="([^"]*usage_after=[^"]*)"/)?.[1];
    expect(older).toBeDefined();
    const second = await viewer.request("GET", older!.replaceAll("&amp;", "&"));
    expect(second.status).toBe(200);
    const rest = usageOf(second.html);
    expect(rest.split("<tr><td>console-calls</td>")).toHaveLength(2);
    expect(rest).toContain(row(7, "taken by a check"));
    expect(rest).toContain("Latest usage</a>");
    expect(rest).not.toContain("usage_after=");
    // Finance reads customers and payments but not entitlements: no usage panel at all.
    const finance = await signIn(ctx, (await member(acme.api, "finance")).user.email);
    const hidden = await finance.request("GET", page(`customers/${customer}`));
    expect(hidden.status).toBe(200);
    expect(hidden.html).not.toContain('id="usage-h"');
    expect(hidden.html).not.toContain("console-calls");
  });

  it("shows a store subscription's vendor ids and its notifications, on the timeline too", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const settings = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store`, {
      config: { bundle_id: "com.example.app", environment: "Sandbox" },
      credentials: { secret: "s3cret" },
    });
    expect(settings.status).toBe(200);
    const mapped = await acme.api(
      "PUT",
      `/v1/storefronts/${cat.storefront}/channels/app_store/products/com.example.gold`,
      {
        price: cat.prices.monthly,
      },
    );
    expect(mapped.status).toBe(200);
    const { headers, body } = signMemory("s3cret", [
      {
        id: "console-n-1",
        subscription: "2000000000000777",
        at: "2026-01-01T00:00:00Z",
        type: "SUBSCRIBED",
        subtype: "INITIAL_BUY",
        product: "com.example.gold",
        customer,
        period: { start: "2026-01-01T00:00:00.000Z", end: "2026-02-01T00:00:00.000Z" },
      },
    ]);
    const pushed = await client(ctx, undefined, undefined)(
      "POST",
      `/v1/channels/app-store/${cat.storefront}/notifications`,
      body,
      headers,
    );
    expect(pushed.status).toBe(200);
    await ctx.services.worker.drain();
    const [store] = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data;
    expect(store.channel).toBe("app_store");
    const subscription = await viewer.request("GET", page(`subscriptions/${store.id}`));
    expect(subscription.html).toContain("Vendor subscription id");
    expect(subscription.html).toContain("2000000000000777");
    expect(subscription.html).toContain("console-n-1");
    const timeline = await viewer.request("GET", page(`customers/${customer}`));
    expect(timeline.html).toMatch(
      /<span class="kind">channel<\/span>\s*<a [^>]*>app_store SUBSCRIBED\/INITIAL_BUY: applied/,
    );
    expect(timeline.html).toContain('<span class="kind">event</span>');
  });

  it("shows a storefront's channels (secret names only), product map, routing and legal entity", async () => {
    const res = await viewer.request("GET", page(`catalog/storefronts/${cat.storefront}`));
    expect(res.status).toBe(200);
    expect(res.html).toContain("Channel: app_store");
    expect(res.html).toContain("com.example.gold");
    expect(res.html).toMatch(/<dt>Secrets set<\/dt><dd>secret<\/dd>/);
    expect(res.html).not.toContain("s3cret");
    expect(res.html).toContain(`/v1/channels/app-store/${cat.storefront}/notifications`);
    expect(res.html).toContain("Tessera Demo GmbH");
    expect(res.html).toContain("No rules: every provider of the storefront is a candidate");
    expect((await viewer.request("GET", page("catalog"))).html).toContain(`catalog/storefronts/${cat.storefront}"`);
  });
});

describe("campaigns", () => {
  it("creates a coupon and its code for an admin, shows the ledger and the discount; a viewer only reads", async () => {
    const made = await admin.request("POST", page("campaigns/create-coupon"), {
      _csrf: admin.csrf(),
      name: "Spring sale",
      percent_off: "20",
      amount_off: "",
      currency: "",
      duration: "repeating",
      duration_in_periods: "3",
      max_redemptions: "",
    });
    expect(made.headers.get("location")).toContain("notice=");
    const coupon = (await acme.api("GET", "/v1/coupons")).body.data.find((c: Json) => c.name === "Spring sale");
    expect(coupon).toMatchObject({ percent_off: 20, duration: "repeating", duration_in_periods: 3 });
    const bad = await admin.request("POST", page("campaigns/create-coupon"), {
      _csrf: admin.csrf(),
      name: "Both",
      percent_off: "10",
      amount_off: "100",
      currency: "EUR",
      duration: "once",
    });
    expect(bad.headers.get("location")).toContain("error=");
    const code = await admin.request("POST", page("campaigns/create-code"), {
      _csrf: admin.csrf(),
      coupon: coupon.id,
      code: "SPRING20",
    });
    expect(code.headers.get("location")).toContain("notice=");
    const discounted = await subscribe(acme.api, cat, { promotion_code: "spring20" });
    const ledger = await viewer.request("GET", page(`campaigns?outcome=redeemed&coupon=${coupon.id}`));
    expect(ledger.status).toBe(200);
    expect(ledger.html).toContain(`subscriptions/${discounted.id}"`);
    expect(ledger.html).toContain("SPRING20");
    expect(ledger.html).not.toContain("New coupon");
    const refusedOnly = await viewer.request("GET", page(`campaigns?outcome=refused&coupon=${coupon.id}`));
    expect(refusedOnly.html).toContain("No redemptions match.");
    const subscription = await viewer.request("GET", page(`subscriptions/${discounted.id}`));
    expect(subscription.html).toContain(`coupon <code>${coupon.id}</code>`);
    const refused = await viewer.request("POST", page("campaigns/archive-coupon"), {
      _csrf: viewer.csrf(),
      id: coupon.id,
    });
    expect(refused.status).toBe(403);
    const archived = await admin.request("POST", page("campaigns/archive-coupon"), {
      _csrf: admin.csrf(),
      id: coupon.id,
    });
    expect(archived.headers.get("location")).toContain("notice=");
    expect((await acme.api("GET", `/v1/coupons/${coupon.id}`)).body.status).toBe("archived");
  });
});

describe("settings", () => {
  it("saves the retention policy for an admin, refuses bad numbers, and shows it read-only to a viewer", async () => {
    const saved = await admin.request("POST", page("settings/retention/save"), {
      _csrf: admin.csrf(),
      webhook_delivery_log_days: "30",
      channel_raw_days: "",
      usage_record_days: "",
      event_days: "90",
      anonymize_after_months: "",
    });
    expect(saved.headers.get("location")).toContain("notice=");
    const policy = (await acme.api("GET", "/v1/retention-policy")).body;
    expect(policy).toMatchObject({ webhook_delivery_log_days: 30, event_days: 90, channel_raw_days: null });
    const bad = await admin.request("POST", page("settings/retention/save"), {
      _csrf: admin.csrf(),
      event_days: "3",
    });
    expect(bad.headers.get("location")).toContain("error=");
    expect((await acme.api("GET", "/v1/retention-policy")).body.event_days).toBe(90);
    const run = await admin.request("POST", page("settings/retention/run"), { _csrf: admin.csrf() });
    expect(run.headers.get("location")).toContain("notice=");
    expect((await acme.api("GET", "/v1/retention-runs")).body.data).toHaveLength(1);

    const read = await viewer.request("GET", page("settings/retention"));
    expect(read.status).toBe(200);
    expect(read.html).not.toContain("Save the policy");
    const refused = await viewer.request("POST", page("settings/retention/save"), {
      _csrf: viewer.csrf(),
      event_days: "",
    });
    expect(refused.status).toBe(403);
    // Support has no privacy permission: neither listed nor served.
    const none = await support.request("GET", page("settings/retention"));
    expect(none.status).toBe(403);
    expect((await support.request("GET", page("customers"))).html).not.toContain("settings/retention");
  });

  it("enters and lifts safe mode for an admin; a viewer only reads it", async () => {
    const entered = await admin.request("POST", page("settings/safe-mode/enter"), {
      _csrf: admin.csrf(),
      provider: "sandbox",
      reason: "incident at the acquirer",
    });
    expect(entered.headers.get("location")).toContain("notice=");
    const [hold] = (await acme.api("GET", "/v1/safe-mode")).body.data;
    expect(hold).toMatchObject({ provider: "sandbox", active: true, reason: "incident at the acquirer" });
    const seen = await viewer.request("GET", page("settings/safe-mode"));
    expect(seen.html).toContain("Charges held: sandbox.");
    expect(seen.html).not.toContain(">Lift</button>");
    expect(
      (await viewer.request("POST", page("settings/safe-mode/exit"), { _csrf: viewer.csrf(), id: hold.id })).status,
    ).toBe(403);
    const lifted = await admin.request("POST", page("settings/safe-mode/exit"), { _csrf: admin.csrf(), id: hold.id });
    expect(lifted.headers.get("location")).toContain("notice=");
    expect((await acme.api("GET", "/v1/safe-mode")).body.data[0].active).toBe(false);
    expect((await admin.request("GET", page("settings/safe-mode"))).html).toContain("No hold: charges run normally.");
  });
});
