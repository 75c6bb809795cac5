import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, newCustomer, subscribe } from "../../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../../test/harness.js";
import { type FakeAdyen, startFakeAdyen } from "./adyen/fake-adyen.js";
import { type FakeStripe, startFakeStripe } from "./stripe/fake-stripe.js";

/*
 * The real adapters through the whole app: a storefront listing `stripe` or `adyen` with its
 * encrypted credentials routes subscriptions to them, and their webhooks are verified by the
 * public route. Only the vendors are local fakes.
 */
describe("stripe and adyen in the default provider list", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let stripe: FakeStripe;
  let adyen: FakeAdyen;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    stripe = await startFakeStripe();
    adyen = await startFakeAdyen();
  });
  afterAll(async () => {
    await stripe?.close();
    await adyen?.close();
    await ctx?.close();
  });

  it("a storefront listing stripe charges through Stripe and accepts its signed webhooks", async () => {
    const cat = await billingCatalog(acme.api, {
      providers: [
        {
          name: "stripe",
          config: { api_base: stripe.url },
          credentials: { secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret },
        },
      ],
    });
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
    const cat = await billingCatalog(acme.api, {
      providers: [{ name: "stripe" }, { name: "adyen" }, { name: "sandbox" }],
    });
    const sub = await subscribe(acme.api, cat, { payment_method: "pm_sandbox_ok" });
    expect(sub.latest_payment).toMatchObject({ provider: "sandbox", status: "succeeded" });
  });

  it("a storefront listing adyen charges through Adyen", async () => {
    const cat = await billingCatalog(acme.api, {
      providers: [
        {
          name: "adyen",
          config: { api_base: adyen.url },
          credentials: { api_key: adyen.apiKey, merchant_account: adyen.merchantAccount, hmac_key: adyen.hmacKey },
        },
      ],
    });
    const sub = await subscribe(acme.api, cat, { payment_method: "pm_ok" });
    expect(sub.latest_payment).toMatchObject({ provider: "adyen", status: "succeeded", amount: 999 });
    expect(adyen.paymentsUnder(sub.latest_payment.idempotency_key)).toBe(1);
  });

  it("an Adyen hard refusal (Blocked Card) declines the first charge with Adyen's code, not retryable", async () => {
    const cat = await billingCatalog(acme.api, {
      providers: [
        {
          name: "adyen",
          config: { api_base: adyen.url },
          credentials: { api_key: adyen.apiKey, merchant_account: adyen.merchantAccount, hmac_key: adyen.hmacKey },
        },
      ],
    });
    const res = await acme.api("POST", "/v1/subscriptions", {
      customer: await newCustomer(acme.api, cat.storefront),
      price: cat.prices.yearly,
      payment_method: "pm_stolen",
    });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ code: "PAYMENT_FAILED", decline_code: "5", retryable: false });
  });
});
