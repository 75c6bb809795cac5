import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, newCustomer } from "../../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../../test/harness.js";
import { cardTokenOf } from "./iyzico/api.js";
import { type FakeIyzico, iyzicoTestCard, startFakeIyzico } from "./iyzico/fake-iyzico.js";

/*
 * iyzico through the whole app: the payments service reports the buyer from the customer and
 * their billing details (invoicing), a customer without them is refused with a clear decline,
 * and iyzico's signed notifications are accepted by the public webhook route.
 */
describe("iyzico in the default provider list", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let iyzico: FakeIyzico;
  const [cardUserKey, cardToken] = iyzicoTestCard("FAKE+ok/card=").split(":") as [string, string];
  const card = cardTokenOf({ cardUserKey, cardToken });

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    iyzico = await startFakeIyzico();
  });
  afterAll(async () => {
    await iyzico?.close();
    await ctx?.close();
  });

  const catalog = () =>
    billingCatalog(acme.api, {
      providers: [
        {
          name: "iyzico",
          config: { api_base: iyzico.url, merchant_ip: "10.0.0.1" },
          credentials: { api_key: iyzico.apiKey, secret_key: iyzico.secretKey },
        },
      ],
    });

  async function customer(storefront: string, billing: boolean) {
    const id = await newCustomer(acme.api, storefront);
    expect(
      (await acme.api("PATCH", `/v1/customers/${id}`, { email: "ayse@example.com.tr", name: "Ayşe Yılmaz" })).status,
    ).toBe(200);
    if (billing)
      expect(
        (
          await acme.api("PUT", `/v1/customers/${id}/billing-details`, {
            name: "Ayşe Nur Yılmaz",
            address: { line1: "Bora Sok. 1", city: "Istanbul", postal_code: "34732", country: "TR" },
            tax_number: "74300864791",
          })
        ).status,
      ).toBe(200);
    return id;
  }

  it("charges a stored card with the buyer from the customer's billing details, once", async () => {
    const cat = await catalog();
    const id = await customer(cat.storefront, true);
    const res = await acme.api("POST", "/v1/subscriptions", {
      customer: id,
      price: cat.prices.monthly,
      payment_method: card,
    });
    expect(res.status).toBe(201);
    expect(res.body.latest_payment).toMatchObject({ provider: "iyzico", status: "succeeded", amount: 999 });
    expect(iyzico.paymentsUnder(res.body.latest_payment.idempotency_key)).toBe(1);

    const hook = iyzico.notification(res.body.latest_payment.provider_reference, "iyz-ref-wiring-1");
    const post = () =>
      ctx.app.request(`/v1/providers/iyzico/webhooks/${cat.storefront}`, {
        method: "POST",
        headers: hook.headers,
        body: hook.body,
      });
    const first = await post();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: 1, duplicates: 0 });
    expect(await (await post()).json()).toMatchObject({ duplicates: 1 });
  });

  it("a customer-present first payment goes through iyzico 3-D Secure, then its auth with the bank's conversationData", async () => {
    const cat = await catalog();
    const id = await customer(cat.storefront, true);
    const body = {
      customer: id,
      price: cat.prices.monthly,
      payment_method: card,
      return_url: "https://shop.example/3ds",
    };
    const first = await acme.api("POST", "/v1/subscriptions", body);
    expect(first).toMatchObject({
      status: 402,
      body: {
        code: "PAYMENT_ACTION_REQUIRED",
        next_action: { type: "three_d_secure", data: { threeDSHtmlContent: expect.any(String) } },
      },
    });
    const waiting = (await acme.api("GET", `/v1/payments/${first.body.payment}`)).body;
    expect(waiting).toMatchObject({ status: "pending", subscription: null });
    // What iyzico posts to the callback URL once the customer passed the bank's page.
    const posted = iyzico.completeThreeDS(waiting.provider_reference);
    const done = await acme.api("POST", "/v1/subscriptions", {
      ...body,
      payment: first.body.payment,
      action_result: { conversationData: posted.conversationData! },
    });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ status: "active", latest_payment: { provider: "iyzico", status: "succeeded" } });
  });

  it("refuses, without asking iyzico, a customer whose identity iyzico requires is missing", async () => {
    const cat = await catalog();
    const id = await customer(cat.storefront, false);
    const sent = iyzico.calls("/payment/auth");
    const res = await acme.api("POST", "/v1/subscriptions", {
      customer: id,
      price: cat.prices.monthly,
      payment_method: card,
    });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({
      code: "PAYMENT_FAILED",
      decline_code: "buyer_identity_incomplete",
      retryable: false,
    });
    expect(iyzico.calls("/payment/auth")).toBe(sent);
  });
});
