import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, newCustomer, subscribe } from "../../../../test/billing-setup.js";
import { type LocalVendors, startLocalVendors } from "./local-vendors.js";

/*
 * The real adapters through the whole app: a storefront listing `stripe` or `adyen` with its
 * encrypted credentials routes subscriptions to them, and their webhooks are verified by the
 * public route. Only the vendors are local fakes.
 */
describe("stripe and adyen in the default provider list", () => {
  let vendors: LocalVendors;
  beforeAll(async () => {
    vendors = await startLocalVendors();
  });
  afterAll(() => vendors?.close());

  it("a storefront listing stripe charges through Stripe and accepts its signed webhooks", async () => {
    const { ctx, acme, stripe } = vendors;
    const cat = await billingCatalog(acme.api, vendors.atStripe());
    const sub = await subscribe(acme.api, cat, { payment_method: "pm_card_visa" });
    expect(sub.latest_payment).toMatchObject({ provider: "stripe", status: "succeeded", amount: 999 });
    expect(stripe.intentsUnder(sub.latest_payment.idempotency_key)).toBe(1);
    const hook = stripe.signedRefundEvent(sub.latest_payment.provider_reference, "evt_wiring_1", ctx.clock.now());
    const res = await ctx.app.request(`/v1/providers/stripe/webhooks/${cat.storefront}`, {
      method: "POST",
      headers: hook.headers,
      body: hook.body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 1, duplicates: 0 });
  });

  it("a listed provider without credentials sends nothing, so routing moves on to the next", async () => {
    const { acme } = vendors;
    const cat = await billingCatalog(acme.api, {
      providers: [{ name: "stripe" }, { name: "adyen" }, { name: "sandbox" }],
    });
    const sub = await subscribe(acme.api, cat, { payment_method: "pm_sandbox_ok" });
    expect(sub.latest_payment).toMatchObject({ provider: "sandbox", status: "succeeded" });
  });

  it("a storefront listing adyen charges through Adyen", async () => {
    const { acme, adyen } = vendors;
    const cat = await billingCatalog(acme.api, vendors.atAdyen());
    const sub = await subscribe(acme.api, cat, { payment_method: "pm_ok" });
    expect(sub.latest_payment).toMatchObject({ provider: "adyen", status: "succeeded", amount: 999 });
    expect(adyen.paymentsUnder(sub.latest_payment.idempotency_key)).toBe(1);
  });

  it("an Adyen hard refusal (Blocked Card) declines the first charge with Adyen's code, not retryable", async () => {
    const { acme } = vendors;
    const cat = await billingCatalog(acme.api, vendors.atAdyen());
    const res = await acme.api("POST", "/v1/subscriptions", {
      customer: await newCustomer(acme.api, cat.storefront),
      price: cat.prices.yearly,
      payment_method: "pm_stolen",
    });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ code: "PAYMENT_FAILED", decline_code: "5", retryable: false });
  });
});
