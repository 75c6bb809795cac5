import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, newCustomer, sandboxCharges, subscribe } from "../../../test/billing-setup.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { createApp } from "../../app.js";
import type { PaymentProvider } from "./provider.js";
import { sandboxProvider } from "./providers/sandbox.js";

/*
 * How billing reads the port's outcomes: which ones fail over (only what certainly never reached
 * the provider), which stay pending, which decline and how. The providers here are the sandbox
 * under other names, some wrapped to lose their answer the way a network does.
 */

describe("provider outcomes through billing", () => {
  let ctx: TestContext;
  let acme: TestTenant;

  /** A sandbox under `name` whose charges end with `lose` instead of the sandbox's answer. */
  function losing(name: string, lose: "before_send" | "after_send"): PaymentProvider {
    const real = sandboxProvider(ctx.deps.db, name);
    return {
      ...real,
      async charge(c, r) {
        if (lose === "after_send") await real.charge(c, r);
        const vendor = { code: null, raw: null };
        return {
          status: "unknown",
          sent: lose === "after_send",
          reference: null,
          message: `${name}: no answer`,
          vendor,
        };
      },
    };
  }

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    const registry = ctx.services.payments.registry;
    registry.register(sandboxProvider(ctx.deps.db, "backup"));
    registry.register(losing("lost_before_send", "before_send"));
    registry.register(losing("lost_after_send", "after_send"));
    // An acquirer that refunds only whole charges, once.
    const whole = sandboxProvider(ctx.deps.db, "whole_refunds");
    registry.register({
      ...whole,
      capabilities: { ...whole.capabilities, partialRefund: false, multipleRefunds: false },
    });
  });
  afterAll(() => ctx.close());

  const create = async (storefront: string, price: string, payment_method: string) =>
    acme.api("POST", "/v1/subscriptions", { customer: await newCustomer(acme.api, storefront), price, payment_method });

  it("fails over when the request never left, and charges only the next provider", async () => {
    const cat = await billingCatalog(acme.api, { providers: [{ name: "lost_before_send" }, { name: "backup" }] });
    const sub = await subscribe(acme.api, cat, {});
    expect(sub.latest_payment).toMatchObject({ provider: "backup", status: "succeeded" });
    const charges = await sandboxCharges(ctx, sub.latest_payment.idempotency_key);
    expect(charges.map((c) => c.provider)).toEqual(["backup"]);
  });

  it("never fails over once the request was sent: the payment stays pending and is resolved later", async () => {
    const cat = await billingCatalog(acme.api, { providers: [{ name: "lost_after_send" }, { name: "backup" }] });
    const res = await create(cat.storefront, cat.prices.monthly, "pm_sandbox_ok");
    expect(res.status).toBe(201);
    expect(res.body.latest_payment).toMatchObject({ provider: "lost_after_send", status: "pending" });
    const charges = await sandboxCharges(ctx, res.body.latest_payment.idempotency_key);
    expect(charges.map((c) => c.provider)).toEqual(["lost_after_send"]);
    ctx.clock.advance(16 * 60_000);
    await ctx.services.worker.drain();
    expect((await acme.api("GET", `/v1/payments/${res.body.latest_payment.id}`)).body).toMatchObject({
      status: "succeeded",
      provider_reference: charges[0]!.id,
    });
  });

  it("declines keep the vendor's code; soft ones are retryable, hard ones and 3-D Secure off-session as documented", async () => {
    const cat = await billingCatalog(acme.api);
    const cases = [
      ["pm_sandbox_declined", "insufficient_funds", true],
      ["pm_sandbox_declined_try_elsewhere", "issuer_unavailable", true],
      ["pm_sandbox_declined_hard", "stolen_card", false],
      ["pm_sandbox_3ds", "authentication_required", true],
    ] as const;
    for (const [method, code, retryable] of cases) {
      const res = await create(cat.storefront, cat.prices.monthly, method);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 402, code: "PAYMENT_FAILED" });
      expect((await acme.api("GET", `/v1/payments/${res.body.payment}`)).body).toMatchObject({
        status: "failed",
        failure_code: code,
        retryable,
      });
    }
  });

  it("uses the providers the composition root passes, and only those", async () => {
    const injected = createApp(ctx.deps, { providers: [sandboxProvider(ctx.deps.db, "acquirer_b")] });
    const api = client({ app: injected.app }, acme.keys.development, acme.slug);
    const onlyB = await billingCatalog(api, { providers: [{ name: "acquirer_b" }] });
    const sub = await subscribe(api, onlyB, {});
    expect(sub.latest_payment).toMatchObject({ provider: "acquirer_b", status: "succeeded" });
    // The default sandbox is not in this app: a storefront routing only to it has nowhere to go.
    const onlySandbox = await billingCatalog(api);
    const res = await api("POST", "/v1/subscriptions", {
      customer: await newCustomer(api, onlySandbox.storefront),
      price: onlySandbox.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: "UNPROCESSABLE" });
    expect(injected.services.payments.registry.names()).toEqual(["acquirer_b"]);
  });

  it("refuses what the payment's provider says it cannot do, before asking it", async () => {
    const cat = await billingCatalog(acme.api, { providers: [{ name: "whole_refunds" }] });
    const sub = await subscribe(acme.api, cat, {});
    const pay = sub.latest_payment;
    const part = await acme.api("POST", `/v1/payments/${pay.id}/refund`, { amount: 100 });
    expect({ status: part.status, path: part.body.errors?.[0]?.path }).toEqual({ status: 400, path: "amount" });
    const [charge] = await sandboxCharges(ctx, pay.idempotency_key);
    expect(Number(charge!.refunded_amount)).toBe(0);
    expect((await acme.api("POST", `/v1/payments/${pay.id}/refund`, {})).body).toMatchObject({
      status: "refunded",
      refunded_amount: 999,
    });
  });
});
