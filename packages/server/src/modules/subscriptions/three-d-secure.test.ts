import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, newCustomer } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { type FakeAdyen, startFakeAdyen } from "../payments/providers/adyen/fake-adyen.js";
import { type FakeStripe, startFakeStripe } from "../payments/providers/stripe/fake-stripe.js";

/*
 * A customer-present first payment that needs 3-D Secure, over real HTTP against the Stripe and
 * Adyen fakes: the API answers what the client needs (next_action), no subscription exists (and
 * nothing is granted) until the request comes back with the payment after the customer acted,
 * and an authentication nobody completes expires with the settle job, cancelled at the provider.
 */
describe("3-D Secure on a customer-present first payment", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let stripe: FakeStripe;
  let adyen: FakeAdyen;
  const RETURN = "https://shop.example/return";

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

  const stripeCatalog = () =>
    billingCatalog(acme.api, {
      providers: [
        {
          name: "stripe",
          config: { api_base: stripe.url },
          credentials: { secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret },
        },
      ],
    });

  async function start(cat: { storefront: string; prices: { monthly: string } }, method: string) {
    const customer = await newCustomer(acme.api, cat.storefront);
    const body = { customer, price: cat.prices.monthly, payment_method: method, return_url: RETURN };
    return { customer, body, res: await acme.api("POST", "/v1/subscriptions", body) };
  }

  const subscriptionsOf = async (customer: string) =>
    (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data as unknown[];

  it("Stripe: answers next_action, grants nothing, then creates the subscription once the customer authenticated", async () => {
    const cat = await stripeCatalog();
    const { customer, body, res } = await start(cat, "pm_card_threeDSecure2Required");
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({
      code: "PAYMENT_ACTION_REQUIRED",
      payment: expect.any(String),
      next_action: { type: "redirect", url: expect.stringContaining("/_fake/3ds/") },
    });
    expect(await subscriptionsOf(customer)).toEqual([]);
    const waiting = (await acme.api("GET", `/v1/payments/${res.body.payment}`)).body;
    expect(waiting).toMatchObject({ status: "pending", subscription: null, provider_reference: expect.any(String) });

    // Back before authenticating: still waiting, the same answer.
    const early = await acme.api("POST", "/v1/subscriptions", { ...body, payment: res.body.payment });
    expect(early).toMatchObject({ status: 402, body: { code: "PAYMENT_ACTION_REQUIRED" } });

    await stripe.authenticate(waiting.provider_reference);
    // Stripe cannot be asked now: the payment keeps waiting (the customer may have paid), never failed.
    stripe.failNext(500);
    const unavailable = await acme.api("POST", "/v1/subscriptions", { ...body, payment: res.body.payment });
    expect(unavailable).toMatchObject({ status: 503, body: { code: "UNAVAILABLE", payment: res.body.payment } });
    expect((await acme.api("GET", `/v1/payments/${res.body.payment}`)).body.status).toBe("pending");
    const done = await acme.api("POST", "/v1/subscriptions", { ...body, payment: res.body.payment });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({
      status: "active",
      latest_payment: { id: res.body.payment, status: "succeeded" },
    });
    expect(stripe.intentsUnder(waiting.idempotency_key)).toBe(1);
    // The payment is this subscription's now: it cannot start a second one.
    const again = await acme.api("POST", "/v1/subscriptions", { ...body, payment: res.body.payment });
    expect(again).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED" } });
  });

  it("refuses a payment that is not this subscription's first payment", async () => {
    const cat = await stripeCatalog();
    const { body, res } = await start(cat, "pm_card_threeDSecure2Required");
    const other = await newCustomer(acme.api, cat.storefront);
    const wrong = await acme.api("POST", "/v1/subscriptions", { ...body, customer: other, payment: res.body.payment });
    expect(wrong).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED", errors: [{ path: "payment" }] } });
  });

  it("without return_url (no customer present) keeps answering 402 PAYMENT_FAILED authentication_required", async () => {
    const cat = await stripeCatalog();
    const customer = await newCustomer(acme.api, cat.storefront);
    const res = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: cat.prices.monthly,
      payment_method: "pm_card_threeDSecure2Required",
    });
    expect(res).toMatchObject({
      status: 402,
      body: { code: "PAYMENT_FAILED", decline_code: "authentication_required" },
    });
  });

  it("an authentication nobody completes expires: cancelled at Stripe, the payment failed, no subscription", async () => {
    const cat = await stripeCatalog();
    const { customer, body, res } = await start(cat, "pm_card_threeDSecure2Required");
    expect(res.status).toBe(402);
    await ctx.services.worker.drain();
    expect((await acme.api("GET", `/v1/payments/${res.body.payment}`)).body.status).toBe("pending");
    ctx.clock.advance(11 * 60_000);
    await ctx.services.worker.drain();
    const expired = (await acme.api("GET", `/v1/payments/${res.body.payment}`)).body;
    expect(expired).toMatchObject({ status: "failed", subscription: null });
    // Cancelled at Stripe: a late authentication cannot charge.
    await stripe.authenticate(expired.provider_reference);
    const late = await acme.api("POST", "/v1/subscriptions", { ...body, payment: res.body.payment });
    expect(late).toMatchObject({ status: 409, body: { code: "INVALID_STATE_TRANSITION" } });
    expect(await subscriptionsOf(customer)).toEqual([]);
  });

  it("Adyen: RedirectShopper becomes next_action; the redirect result confirms through /payments/details", async () => {
    const cat = await billingCatalog(acme.api, {
      providers: [
        {
          name: "adyen",
          config: { api_base: adyen.url },
          credentials: { api_key: adyen.apiKey, merchant_account: adyen.merchantAccount, hmac_key: adyen.hmacKey },
        },
      ],
    });
    const { customer, body, res } = await start(cat, "pm_3ds");
    expect(res).toMatchObject({
      status: 402,
      body: { code: "PAYMENT_ACTION_REQUIRED", next_action: { type: "redirect" } },
    });
    expect(await subscriptionsOf(customer)).toEqual([]);
    const waiting = (await acme.api("GET", `/v1/payments/${res.body.payment}`)).body;
    const action_result = adyen.completeRedirect(waiting.provider_reference);
    const done = await acme.api("POST", "/v1/subscriptions", { ...body, payment: res.body.payment, action_result });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ status: "active", latest_payment: { status: "succeeded" } });
  });
});
