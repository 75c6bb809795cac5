import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, subscribe } from "../../../test/billing-setup.js";
import { member } from "../../../test/fixtures.js";
import type { Json } from "../../../test/harness.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { setLegalEntity } from "../../../test/invoicing-setup.js";
import { consoleSetup } from "./setup.js";
import { browser, PASSWORD, signIn as signInAs } from "./test-browser.js";

/*
 * The console over HTTP without a browser (test/e2e/console-browser.test.ts drives Chromium): the
 * first-admin link, sign-in, CSRF and origin checks, the permission gate shared with the API, and
 * the security headers. On both dialects: the console's cross-tenant reads run in system access.
 */

let ctx: TestContext;
let acme: TestTenant;

beforeAll(async () => {
  ctx = await createTestApp();
  acme = await createTestTenant(ctx, "console");
});
afterAll(() => ctx?.close());

describe("first start", () => {
  it("makes a one-time link that creates the first platform admin, then no more links", async () => {
    const setup = consoleSetup(ctx.deps, ctx.services.users);
    const link = await setup.firstStartLink("http://tessera.test/");
    expect(link).toMatch(/^http:\/\/tessera\.test\/console\/setup\?token=tst_/);
    const token = new URL(link!).searchParams.get("token")!;
    const b = browser(ctx);
    const page = await b.request("GET", `/console/setup?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Create the platform admin");
    const weak = await b.request("POST", "/console/setup", {
      _csrf: b.csrf(),
      token,
      email: "root@example.com",
      password: "short",
    });
    expect(weak.status).toBe(400);
    const made = await b.request("POST", "/console/setup", {
      _csrf: b.csrf(),
      token,
      email: "root@example.com",
      password: PASSWORD,
    });
    expect(made.status).toBe(303);
    expect(made.headers.get("location")).toBe("/console");
    // Signed in: the console opens the (only) tenant.
    const home = await b.request("GET", "/console");
    expect(home.headers.get("location")).toBe("/console/t/console/development/");
    // Used once; and with an admin there, no new link is made.
    const again = await browser(ctx).request("GET", `/console/setup?token=${token}`);
    expect(again.status).toBe(404);
    expect(await setup.firstStartLink("http://tessera.test")).toBeUndefined();
  });
});

describe("signing in", () => {
  it("refuses a wrong password with the page, and signs in and out with the right one", async () => {
    const b = browser(ctx);
    const login = await b.request("GET", "/console/login");
    expect(login.status).toBe(200);
    const wrong = await b.request("POST", "/console/login", {
      _csrf: b.csrf(),
      email: "root@example.com",
      password: "not the password at all",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('role="alert"');
    const ok = await b.request("POST", "/console/login", {
      _csrf: b.csrf(),
      email: "root@example.com",
      password: PASSWORD,
      next: "/console/t/console/development/customers",
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/console/t/console/development/customers");
    const cookie = ok.headers.getSetCookie().find((c) => c.startsWith("tessera_console_at="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    const customers = await b.request("GET", "/console/t/console/development/customers");
    expect(customers.status).toBe(200);
    await b.request("POST", "/console/logout", { _csrf: b.csrf() });
    const after = await b.request("GET", "/console/t/console/development/customers");
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toMatch(/^\/console\/login\?next=/);
  });

  it("never redirects outside the console after sign-in", async () => {
    const b = browser(ctx);
    await b.request("GET", "/console/login");
    const res = await b.request("POST", "/console/login", {
      _csrf: b.csrf(),
      email: "root@example.com",
      password: PASSWORD,
      next: "//evil.example/console",
    });
    expect(res.headers.get("location")).toBe("/console");
  });

  it("sends every page with a strict CSP and no inline script", async () => {
    const b = browser(ctx);
    const page = await b.request("GET", "/console/login");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.html.startsWith("<!doctype html>")).toBe(true);
    expect(page.html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.html).not.toMatch(/\sstyle=/);
  });
});

describe("actions and permissions", () => {
  let sub: Json;
  let finance: ReturnType<typeof browser>;
  let viewer: ReturnType<typeof browser>;

  const signIn = (email: string) => signInAs(ctx, email);

  beforeAll(async () => {
    sub = await subscribe(acme.api, await billingCatalog(acme.api), {});
    finance = await signIn((await member(acme.api, "finance")).user.email);
    viewer = await signIn((await member(acme.api, "viewer")).user.email);
  });

  it("refuses a POST without the CSRF token or from another origin", async () => {
    const path = `/console/t/console/development/subscriptions/${sub.id}/refund`;
    const form = { payment: sub.latest_payment.id, amount: "100" };
    expect((await finance.request("POST", path, form)).status).toBe(403);
    expect(
      (await finance.request("POST", path, { ...form, _csrf: finance.csrf() }, "http://evil.example")).status,
    ).toBe(403);
    const payment = await acme.api("GET", `/v1/payments/${sub.latest_payment.id}`);
    expect(payment.body.refunded_amount).toBe(0);
  });

  it("lets finance refund from the subscription page", async () => {
    const page = await finance.request("GET", `/console/t/console/development/subscriptions/${sub.id}`);
    expect(page.html).toContain(">Refund</button>");
    const res = await finance.request("POST", `/console/t/console/development/subscriptions/${sub.id}/refund`, {
      _csrf: finance.csrf(),
      payment: sub.latest_payment.id,
      amount: "100",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toContain("notice=Refunded");
    const payment = await acme.api("GET", `/v1/payments/${sub.latest_payment.id}`);
    expect(payment.body.refunded_amount).toBe(100);
    // The refund is the user's, in the audit trail's actor and the event's.
    const events = await acme.api("GET", `/v1/events?object_id=${sub.latest_payment.id}`);
    expect(events.body.data.some((e: Json) => e.actor?.type === "user")).toBe(true);
  });

  it("labels a plan change to a tax-exclusive price as net + tax", async () => {
    const cat = await billingCatalog(acme.api);
    await setLegalEntity(acme.api, cat.storefront);
    const net = await acme.api("POST", `/v1/bundles/${cat.bundles.premium}/prices`, {
      currency: "EUR",
      amount: 1500,
      interval: "month",
      tax_behavior: "exclusive",
    });
    expect(net.status).toBe(201);
    const mine = await subscribe(acme.api, cat, {});
    const support = await signIn((await member(acme.api, "support")).user.email);
    const page = await support.request("GET", `/console/t/console/development/subscriptions/${mine.id}`);
    expect(page.status).toBe(200);
    const option = page.html.split("<option").find((o) => o.includes(`value="${net.body.id}"`));
    // The price is a net; without a test clock the page makes no proration quote (no "due now").
    expect(option, option).toContain("Premium: €15.00 + tax / month");
    const inclusive = page.html.split("<option").find((o) => o.includes(`value="${cat.prices.premium}"`));
    expect(inclusive, inclusive).not.toContain("+ tax");
  });

  it("shows a viewer no refund button and refuses the viewer's hand-made POST", async () => {
    const page = await viewer.request("GET", `/console/t/console/development/subscriptions/${sub.id}`);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain(">Refund</button>");
    expect(page.html).not.toContain(">Cancel now</button>");
    const res = await viewer.request("POST", `/console/t/console/development/subscriptions/${sub.id}/refund`, {
      _csrf: viewer.csrf(),
      payment: sub.latest_payment.id,
      amount: "50",
    });
    expect(res.status).toBe(403);
    const payment = await acme.api("GET", `/v1/payments/${sub.latest_payment.id}`);
    expect(payment.body.refunded_amount).toBe(100);
    // Pages the role lacks are neither listed nor served.
    const keys = await viewer.request("GET", "/console/t/console/development/developers/api-keys");
    expect(keys.status).toBe(403);
    expect(page.html).not.toContain("/developers/api-keys");
  });

  it("marks production unmistakably and hides the test clock there", async () => {
    const b = await signIn("root@example.com");
    const prod = await b.request("GET", "/console/t/console/production/overview");
    expect(prod.status).toBe(200);
    expect(prod.html).toContain("env-banner production");
    expect(prod.html).toContain("PRODUCTION");
    expect(prod.html).not.toContain("settings/test-clock");
    expect((await b.request("GET", "/console/t/console/production/settings/test-clock")).status).toBe(403);
  });

  it("keeps a member out of another tenant", async () => {
    await createTestTenant(ctx, "other");
    const res = await viewer.request("GET", "/console/t/other/development/overview");
    expect(res.status).toBe(403);
  });

  it("lists payments with the API's status filter", async () => {
    const b = await signIn("root@example.com");
    const all = await b.request("GET", "/console/t/console/development/payments");
    expect(all.status).toBe(200);
    expect(all.html).toContain(sub.latest_payment.id);
    const failed = await b.request("GET", "/console/t/console/development/payments?status=failed");
    expect(failed.html).not.toContain(sub.latest_payment.id);
    expect(failed.html).toContain("No payments match.");
  });

  it("turns two-factor on from My account, and sign-in then asks for the code", async () => {
    const { user } = await member(acme.api, "support");
    const b = await signIn(user.email);
    const setup = await b.request("POST", "/console/t/console/development/settings/sessions/totp-setup", {
      _csrf: b.csrf(),
    });
    expect(setup.status).toBe(200);
    const secret = /<p class="secret">([A-Z2-7]+)<\/p>/.exec(setup.html)?.[1];
    expect(secret).toBeDefined();
    const totp = new TOTP({ secret: Secret.fromBase32(secret!) });
    const code = () => totp.generate({ timestamp: ctx.clock.now().getTime() });
    const enabled = await b.request("POST", "/console/t/console/development/settings/sessions/totp-enable", {
      _csrf: b.csrf(),
      code: code(),
    });
    expect(enabled.headers.get("location")).toContain("notice=");
    const other = browser(ctx);
    await other.request("GET", "/console/login");
    const withoutCode = await other.request("POST", "/console/login", {
      _csrf: other.csrf(),
      email: user.email,
      password: PASSWORD,
    });
    expect(withoutCode.status).toBe(401);
    const withCode = await other.request("POST", "/console/login", {
      _csrf: other.csrf(),
      email: user.email,
      password: PASSWORD,
      totp: code(),
    });
    expect(withCode.status).toBe(303);
  });

  it("creates an API key whose secret is shown once and works, then revokes it", async () => {
    const b = await signIn("root@example.com");
    const made = await b.request("POST", "/console/t/console/development/developers/api-keys/create", {
      _csrf: b.csrf(),
      name: "from the console",
      "scope:catalog:read": "on",
    });
    expect(made.status).toBe(200);
    const secret = /<p class="secret">(tsk_development_[^<]+)<\/p>/.exec(made.html)?.[1];
    expect(secret).toBeDefined();
    const keyApi = client(ctx, secret, "console");
    expect((await keyApi("GET", "/v1/entitlements")).status).toBe(200);
    expect((await keyApi("GET", "/v1/customers")).status).toBe(403);
    const list = await acme.api("GET", "/v1/api-keys?limit=100");
    const key = list.body.data.find((k: Json) => k.name === "from the console");
    expect(key.scopes).toEqual(["catalog:read"]);
    // The list page never shows the secret again.
    const page = await b.request("GET", "/console/t/console/development/developers/api-keys");
    expect(page.html).not.toContain(secret);
    const revoked = await b.request("POST", "/console/t/console/development/developers/api-keys/revoke", {
      _csrf: b.csrf(),
      id: key.id,
    });
    expect(revoked.headers.get("location")).toContain("notice=");
    expect((await keyApi("GET", "/v1/entitlements")).status).toBe(401);
  });
});
