import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, newCustomer } from "../../../../test/billing-setup.js";
import { type LocalVendors, startLocalVendors } from "./local-vendors.js";

/*
 * One-off authorize → capture / void through the whole app and the real adapters; only the vendors
 * are local fakes answering in their documented shapes (Stripe capture_method=manual,
 * /v1/payment_intents/{id}/capture with amount_to_capture, /cancel; Adyen /payments/{psp}/captures).
 */
describe("authorize and capture at the vendors", () => {
  let vendors: LocalVendors;
  beforeAll(async () => {
    vendors = await startLocalVendors();
  });
  afterAll(() => vendors?.close());

  async function authorizeAt(providers: Parameters<typeof billingCatalog>[1], paymentMethod: string, amount: number) {
    const { acme } = vendors;
    const cat = await billingCatalog(acme.api, providers);
    const customer = await newCustomer(acme.api, cat.storefront);
    const res = await acme.api("POST", "/v1/payments", {
      customer,
      amount,
      currency: "EUR",
      payment_method: paymentMethod,
      capture: false,
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  it("Stripe: authorizes without capturing, captures in part once, even when the request is repeated", async () => {
    const { acme, stripe } = vendors;
    const auth = await authorizeAt(vendors.atStripe(), "pm_card_visa", 5000);
    expect(auth).toMatchObject({ provider: "stripe", status: "authorized", amount_capturable: 5000 });
    expect(stripe.books(auth.provider_reference)).toEqual({ captured: 0, refunded: 0 });
    const headers = { "idempotency-key": `cap-${auth.id}` };
    const part = await acme.api("POST", `/v1/payments/${auth.id}/capture`, { amount: 3000 }, headers);
    const again = await acme.api("POST", `/v1/payments/${auth.id}/capture`, { amount: 3000 }, headers);
    expect(part.body).toMatchObject({ status: "succeeded", amount_captured: 3000 });
    expect(again.body).toEqual(part.body);
    expect(stripe.books(auth.provider_reference).captured).toBe(3000);
    const refund = await acme.api("POST", `/v1/payments/${auth.id}/refund`, {});
    expect(refund.body).toMatchObject({ status: "refunded", refunded_amount: 3000 });
    expect(stripe.books(auth.provider_reference)).toEqual({ captured: 3000, refunded: 3000 });
  });

  it("Stripe: voids an authorization (cancel), after which a capture is refused", async () => {
    const { acme, stripe } = vendors;
    const auth = await authorizeAt(vendors.atStripe(), "pm_card_visa", 700);
    expect((await acme.api("POST", `/v1/payments/${auth.id}/void`)).body.status).toBe("voided");
    const capture = await acme.api("POST", `/v1/payments/${auth.id}/capture`, {});
    expect({ status: capture.status, code: capture.body.code }).toEqual({
      status: 409,
      code: "PAYMENT_NOT_CAPTURABLE",
    });
    expect(stripe.books(auth.provider_reference).captured).toBe(0);
  });

  it("Adyen: authorizes, and a capture accepted (`received`) is recorded", async () => {
    const { acme, adyen } = vendors;
    const auth = await authorizeAt(vendors.atAdyen(), "pm_ok", 1500);
    expect(auth).toMatchObject({ provider: "adyen", status: "authorized", amount_capturable: 1500 });
    const captured = await acme.api("POST", `/v1/payments/${auth.id}/capture`, { amount: 1000 });
    expect(captured.body).toMatchObject({ status: "succeeded", amount_captured: 1000 });
    expect(adyen.books(auth.provider_reference).captured).toBe(1000);
  });
});
