import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, subscribe } from "../../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../../test/harness.js";
import { tokenOf } from "./braintree/api.js";
import { braintreeTestMethod, type FakeBraintree, startFakeBraintree } from "./braintree/fake-braintree.js";
import { type FakePayPal, startFakePayPal } from "./paypal/fake-paypal.js";

/*
 * PayPal and Braintree through the whole app: a storefront listing them with encrypted credentials
 * routes subscriptions to them, and Braintree's webhooks are verified by the public route (PayPal's
 * need a certificate chain to a public root, which only the adapter's own tests replace).
 */
describe("paypal and braintree in the default provider list", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let paypal: FakePayPal;
  let braintree: FakeBraintree;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    paypal = await startFakePayPal();
    braintree = await startFakeBraintree();
  });
  afterAll(async () => {
    await paypal?.close();
    await braintree?.close();
    await ctx?.close();
  });

  it("a storefront listing paypal charges a vaulted card through Orders v2, once", async () => {
    const cat = await billingCatalog(acme.api, {
      providers: [
        {
          name: "paypal",
          config: { api_base: paypal.url },
          credentials: { client_id: paypal.clientId, client_secret: paypal.clientSecret, webhook_id: paypal.webhookId },
        },
      ],
    });
    const sub = await subscribe(acme.api, cat, { payment_method: "pm_card_ok" });
    expect(sub.latest_payment).toMatchObject({ provider: "paypal", status: "succeeded", amount: 999 });
    expect(paypal.ordersUnder(sub.latest_payment.idempotency_key)).toBe(1);
  });

  it("a storefront listing braintree charges through GraphQL and accepts its signed notifications", async () => {
    const cat = await billingCatalog(acme.api, {
      providers: [
        {
          name: "braintree",
          config: { api_base: braintree.url, merchant_account_id_eur: "tessera_test" },
          credentials: { public_key: braintree.publicKey, private_key: braintree.privateKey },
        },
      ],
    });
    const sub = await subscribe(acme.api, cat, { payment_method: tokenOf(braintreeTestMethod("fake-valid")) });
    expect(sub.latest_payment).toMatchObject({ provider: "braintree", status: "succeeded", amount: 999 });
    expect(braintree.transactionsUnder(sub.latest_payment.idempotency_key)).toBe(1);
    const hook = braintree.notification("transaction_settled", sub.latest_payment.provider_reference, ctx.clock.now());
    const post = () =>
      ctx.app.request(`/v1/providers/braintree/webhooks/${cat.storefront}`, {
        method: "POST",
        headers: hook.headers,
        body: hook.body,
      });
    const first = await post();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: 1, duplicates: 0 });
    // Braintree redelivers the same notification: the inbox recognises it.
    expect(await (await post()).json()).toMatchObject({ duplicates: 1 });
    // Applied by the inbox job: the payment is settled once, with one payment.settled event.
    await ctx.services.worker.drain();
    const settled = (await acme.api("GET", `/v1/payments/${sub.latest_payment.id}`)).body;
    expect(settled).toMatchObject({ status: "succeeded", settled_at: expect.any(String) });
    const events = (await acme.api("GET", `/v1/events?object_id=${sub.latest_payment.id}`)).body.data;
    expect(events.filter((e: { type: string }) => e.type === "payment.settled")).toHaveLength(1);
  });
});
