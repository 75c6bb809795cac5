import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, sandboxCharges } from "../../../test/billing-setup.js";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { sandboxProvider } from "./providers/sandbox.js";

/*
 * Stored payment methods: vaulted at one or more PSPs (one token each), charged by id, and routed
 * only to the PSPs that hold them. "backup" is the sandbox under another name.
 */

describe("payment methods", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let storefront: string;
  let monthly: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    ctx.services.payments.registry.register(sandboxProvider(ctx.deps.db, "backup"));
    const cat = await billingCatalog(acme.api, { providers: [{ name: "sandbox" }, { name: "backup" }] });
    storefront = cat.storefront;
    monthly = cat.prices.monthly;
  });
  afterAll(() => ctx.close());

  let n = 0;
  async function customer(country = "DE"): Promise<string> {
    const res = await acme.api("POST", "/v1/customers", { storefront, external_id: `pm-${++n}`, country });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  const vault = (cus: string, providers: Array<{ name: string; token: string }>, extra: object = {}) =>
    acme.api("POST", `/v1/customers/${cus}/payment-methods`, { providers, ...extra });

  it("vaults a method at several PSPs, keeps brand, last4, expiry and fingerprint, and makes the first the default", async () => {
    const cus = await customer();
    const res = await vault(cus, [
      { name: "sandbox", token: "tok_sandbox_ok" },
      { name: "backup", token: "tok_sandbox_ok" },
    ]);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: "payment_method",
      customer: cus,
      type: "card",
      brand: "visa",
      last4: "4242",
      exp_month: 12,
      providers: ["backup", "sandbox"],
      default: true,
    });
    expect(res.body.id).toMatch(/^pm_[0-9A-Z]{26}$/);
    expect(res.body.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(res.body)).not.toContain("pm_sandbox_ok");

    const second = await vault(cus, [{ name: "sandbox", token: "tok_sandbox_declined" }], { default: true });
    expect(second.body).toMatchObject({ default: true, last4: "9995", providers: ["sandbox"] });
    const list = await acme.api("GET", `/v1/customers/${cus}/payment-methods`);
    expect(list.body.data.map((m: Json) => [m.id, m.default])).toEqual([
      [res.body.id, false],
      [second.body.id, true],
    ]);
    const back = await acme.api("POST", `/v1/customers/${cus}/payment-methods/${res.body.id}/default`);
    expect(back.body.default).toBe(true);
    const after = await acme.api("GET", `/v1/customers/${cus}/payment-methods/${second.body.id}`);
    expect(after.body.default).toBe(false);
  });

  it("refuses bad input with stable codes, before or as the PSP answers", async () => {
    const cus = await customer();
    const notHere = await vault(cus, [{ name: "stripe", token: "tok_x" }]);
    expect({ status: notHere.status, code: notHere.body.code, path: notHere.body.errors?.[0]?.path }).toEqual({
      status: 400,
      code: "VALIDATION_FAILED",
      path: "providers.0.name",
    });
    const refused = await vault(cus, [{ name: "sandbox", token: "tok_nonsense" }]);
    expect({ status: refused.status, code: refused.body.code, path: refused.body.errors?.[0]?.path }).toEqual({
      status: 422,
      code: "PAYMENT_METHOD_REFUSED",
      path: "providers.0.token",
    });
    const twice = await vault(cus, [
      { name: "sandbox", token: "tok_sandbox_ok" },
      { name: "sandbox", token: "tok_sandbox_ok" },
    ]);
    expect(twice.status).toBe(400);
    const unknownField = await vault(cus, [{ name: "sandbox", token: "tok_sandbox_ok" }], { card: "x" });
    expect(unknownField.status).toBe(400);
    const pan = await vault(cus, [{ name: "sandbox", token: "4242424242424242" }]);
    expect({ status: pan.status, code: pan.body.code }).toEqual({ status: 400, code: "PAYMENT_DATA_FORBIDDEN" });
    expect((await acme.api("GET", `/v1/customers/${cus}/payment-methods`)).body.data).toEqual([]);
    const missing = await acme.api("GET", `/v1/customers/cus_nope/payment-methods`);
    expect(missing.status).toBe(404);
  });

  it("a subscription charges a stored method by id, with each PSP's own token, and records the routing", async () => {
    const cus = await customer();
    const pm = (await vault(cus, [{ name: "sandbox", token: "tok_sandbox_ok" }])).body;
    const res = await acme.api("POST", "/v1/subscriptions", { customer: cus, price: monthly, payment_method: pm.id });
    expect(res.status).toBe(201);
    const pay = (await acme.api("GET", `/v1/payments/${res.body.latest_payment.id}`)).body;
    expect(pay).toMatchObject({ status: "succeeded", provider: "sandbox", payment_method: pm.id });
    const [charge] = await sandboxCharges(ctx, pay.idempotency_key);
    expect(charge!.payment_method).toBe("pm_sandbox_ok");
    expect(pay.routing).toMatchObject({
      chosen: "sandbox",
      inputs: { country: "DE", currency: "EUR", amount: 999, method_type: "card", channel: "ecommerce" },
    });
    expect(pay.routing.candidates).toContainEqual(
      expect.objectContaining({
        provider: "backup",
        eligible: false,
        excluded: "the payment method is not vaulted at this provider",
      }),
    );
    expect(pay.attempts).toEqual([
      expect.objectContaining({ provider: "sandbox", result: "succeeded", idempotency_key: pay.idempotency_key }),
    ]);
  });

  it("routing considers only the PSPs holding the method, whatever the storefront's order", async () => {
    const cus = await customer();
    const pm = (await vault(cus, [{ name: "backup", token: "tok_sandbox_ok" }])).body;
    const res = await acme.api("POST", "/v1/subscriptions", { customer: cus, price: monthly, payment_method: pm.id });
    expect(res.body.latest_payment).toMatchObject({ provider: "backup", status: "succeeded" });
    const charges = await sandboxCharges(ctx, res.body.latest_payment.idempotency_key);
    expect(charges.map((c) => c.provider)).toEqual(["backup"]);
  });

  it("a detached method is never charged again: the payment declines with no_eligible_provider", async () => {
    const cus = await customer();
    const pm = (await vault(cus, [{ name: "sandbox", token: "tok_sandbox_ok" }])).body;
    const del = await acme.api("DELETE", `/v1/customers/${cus}/payment-methods/${pm.id}`);
    expect(del.body).toMatchObject({ id: pm.id, default: false });
    expect((await acme.api("GET", `/v1/customers/${cus}/payment-methods`)).body.data).toEqual([]);
    expect((await acme.api("GET", `/v1/customers/${cus}/payment-methods/${pm.id}`)).status).toBe(404);
    const res = await acme.api("POST", "/v1/subscriptions", { customer: cus, price: monthly, payment_method: pm.id });
    expect({ status: res.status, code: res.body.code, decline: res.body.decline_code }).toEqual({
      status: 402,
      code: "PAYMENT_FAILED",
      decline: "no_eligible_provider",
    });
    expect(await sandboxCharges(ctx, `${res.body.payment}`)).toEqual([]);
    const pay = (await acme.api("GET", `/v1/payments/${res.body.payment}`)).body;
    expect(pay).toMatchObject({ status: "failed", retryable: false, routing: { chosen: null } });
  });

  it("records events, and another environment or tenant sees none of it", async () => {
    const cus = await customer();
    const pm = (await vault(cus, [{ name: "sandbox", token: "tok_sandbox_ok" }])).body;
    await acme.api("DELETE", `/v1/customers/${cus}/payment-methods/${pm.id}`);
    const events = await acme.api("GET", `/v1/events?object_id=${pm.id}&limit=10`);
    expect(events.body.data.map((e: Json) => e.type).sort()).toEqual([
      "payment_method.attached",
      "payment_method.detached",
    ]);
    const other = await createTestTenant(ctx, "globex");
    expect((await other.api("GET", `/v1/customers/${cus}/payment-methods`)).status).toBe(404);
    expect((await acme.as("production")("GET", `/v1/customers/${cus}/payment-methods/${pm.id}`)).status).toBe(404);
  });
});
