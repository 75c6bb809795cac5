import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPaymentProvider } from "../../contract.js";
import type { PaymentProvider, ProviderContext } from "../../provider.js";
import { adapterTestSetup } from "../adapter-test-setup.js";
import { startFakeStripe } from "./fake-stripe.js";
import { stripeProvider } from "./index.js";
import { stripeSignature } from "./webhooks.js";

// Generous for a loaded machine; only pm_fake_timeout waits it out.
const TIMEOUT_MS = 2000;

async function setup() {
  const s = await adapterTestSetup("stripe", startFakeStripe, (fake) => ({
    config: { api_base: fake.url, timeout_ms: TIMEOUT_MS },
    credentials: { secret_key: fake.secretKey, webhook_secret: fake.webhookSecret },
  }));
  return { ...s, provider: stripeProvider({ fetch: globalThis.fetch, clock: s.app.clock }) };
}

testPaymentProvider("stripe", async () => {
  const s = await setup();
  return {
    provider: s.provider,
    context: s.context,
    currency: "EUR",
    methods: {
      ok: "pm_card_visa",
      softDecline: "pm_card_chargeDeclinedInsufficientFunds",
      hardDecline: "pm_card_chargeDeclinedStolenCard",
      requiresAction: "pm_card_threeDSecure2Required",
      unknownAfterSend: "pm_fake_timeout",
    },
    codes: { softDecline: "insufficient_funds", hardDecline: "stolen_card" },
    completeAction: async (o) => {
      await s.fake.authenticate(o.reference);
      return {};
    },
    signedWebhook: async (reference, eventId) =>
      s.fake.signedRefundEvent(reference, eventId, s.context.scope.clock.now()),
    vaultToken: "pm_card_visa",
    chargesUnder: async (key) => s.fake.intentsUnder(key),
    close: s.close,
  };
});

describe("stripe adapter beyond the contract", () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let n = 0;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(() => s?.close());
  const charge = (
    paymentMethod: string,
    extra: { onSession?: boolean; idempotencyKey?: string; provider?: PaymentProvider; context?: ProviderContext } = {},
  ) =>
    (extra.provider ?? s.provider).charge(extra.context ?? s.context, {
      idempotencyKey: extra.idempotencyKey ?? `stripe-extra-${++n}`,
      amount: 1500,
      currency: "EUR",
      paymentMethod,
      customer: "cus_tessera_1",
      ...(extra.onSession !== undefined && { onSession: extra.onSession }),
    });

  it("a 429 is an error (Stripe did not process it): failover is safe", async () => {
    s.fake.failNext(429);
    expect(await charge("pm_card_visa")).toMatchObject({ status: "error", code: "rate_limit" });
  });

  it("a 500 may have charged: unknown, sent", async () => {
    s.fake.failNext(500);
    expect(await charge("pm_card_visa")).toMatchObject({
      status: "unknown",
      sent: true,
      vendor: { raw: expect.stringContaining("api_error") },
    });
  });

  it("a refused connection never left: unknown, not sent", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const context = { ...s.context, config: { api_base: `http://127.0.0.1:${port}` } };
    expect(await charge("pm_card_visa", { context })).toMatchObject({ status: "unknown", sent: false });
  });

  it("the same key while the first call is still running is not an error: it may charge", async () => {
    const idempotencyKey = `stripe-inflight-${++n}`;
    const first = charge("pm_fake_timeout", { idempotencyKey });
    // Stripe answers 409 idempotency_key_in_use to the second call while the first one hangs.
    await new Promise((r) => setTimeout(r, 200));
    expect(await charge("pm_fake_timeout", { idempotencyKey })).toMatchObject({
      status: "unknown",
      sent: true,
      vendor: { code: "idempotency_key_in_use" },
    });
    expect(await first).toMatchObject({ status: "unknown", sent: true });
  });

  it("an off-session charge that needs 3-D Secure declines softly, retried only with the customer", async () => {
    expect(await charge("pm_card_authenticationRequired", { onSession: false })).toMatchObject({
      status: "soft_decline",
      code: "authentication_required",
      retry: { allowed: false },
      vendor: { code: "authentication_required/authentication_required" },
    });
  });

  it("an on-session 3-D Secure charge with a return URL redirects", async () => {
    const o = await s.provider.charge(s.context, {
      idempotencyKey: `stripe-redirect-${++n}`,
      amount: 1500,
      currency: "EUR",
      paymentMethod: "pm_card_threeDSecure2Required",
      customer: "cus_tessera_1",
      returnUrl: "https://shop.example/return",
    });
    expect(o).toMatchObject({
      status: "requires_action",
      action: { type: "redirect", url: expect.stringContaining("/3ds/") },
    });
  });

  it("a Mastercard decline with merchant advice 03 is never retried, whatever the decline code", async () => {
    expect(await charge("pm_fake_mastercard_mac03")).toMatchObject({
      status: "hard_decline",
      code: "do_not_honor",
      retry: { allowed: false },
    });
    expect(await charge("pm_fake_do_not_honor")).toMatchObject({
      status: "soft_decline",
      code: "do_not_honor",
      retry: { allowed: true },
    });
  });

  it("lost and expired cards are hard declines with Stripe's codes", async () => {
    expect(await charge("pm_card_chargeDeclinedLostCard")).toMatchObject({ status: "hard_decline", code: "lost_card" });
    expect(await charge("pm_card_chargeDeclinedExpiredCard")).toMatchObject({
      status: "hard_decline",
      code: "expired_card",
    });
    expect(await charge("pm_card_chargeDeclinedProcessingError")).toMatchObject({
      status: "soft_decline",
      code: "processing_error",
    });
  });

  it("vaulting keeps brand, expiry and a fingerprint that is the same for the same card", async () => {
    const save = (token: string) =>
      s.provider.savePaymentMethod(s.context, {
        idempotencyKey: `stripe-vault-${++n}`,
        customer: "cus_tessera_1",
        token,
      });
    const a = await save("pm_card_visa");
    const b = await save("pm_card_visa");
    const c = await save("pm_card_mastercard");
    if (a.status !== "saved" || b.status !== "saved" || c.status !== "saved") throw new Error("expected saved");
    expect(a.method).toMatchObject({ brand: "visa", last4: "4242", expMonth: 12, expYear: 2034 });
    expect(a.method.token).toMatch(/^pm_[A-Za-z0-9]+_cus_[A-Za-z0-9]+$/);
    expect(a.method.fingerprint).toBe(b.method.fingerprint);
    expect(c.method.fingerprint).not.toBe(a.method.fingerprint);
    // A vaulted method charges off-session with its customer.
    expect(await charge(a.method.token, { onSession: false })).toMatchObject({ status: "succeeded" });
  });

  it("webhooks: totals and our key are read; stale timestamps and other secrets are refused", async () => {
    const key = `stripe-hook-${++n}`;
    const paid = await charge("pm_card_visa", { idempotencyKey: key });
    const reference = paid.reference!;
    const now = s.context.scope.clock.now();
    const genuine = s.fake.signedRefundEvent(reference, "evt_1", now);
    expect(await s.provider.handleWebhook(s.context, genuine)).toMatchObject({
      verified: true,
      events: [
        {
          id: "evt_1",
          type: "payment.refunded",
          reference,
          merchantReference: key,
          currency: "EUR",
          totals: { captured: 1500, refunded: 1500 },
        },
      ],
    });
    const old = s.fake.signedRefundEvent(reference, "evt_2", new Date(now.getTime() - 301_000));
    expect(await s.provider.handleWebhook(s.context, old)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("tolerance"),
    });
    const t = Math.floor(now.getTime() / 1000);
    const forged = {
      headers: { "stripe-signature": `t=${t},v1=${stripeSignature("whsec_other", t, genuine.body)}` },
      body: genuine.body,
    };
    expect(await s.provider.handleWebhook(s.context, forged)).toMatchObject({ verified: false });
    // During a secret roll Stripe sends one v1 per secret: any match verifies.
    const rolled = {
      headers: {
        "stripe-signature": `t=${t},v1=${stripeSignature("whsec_other", t, genuine.body)},v1=${stripeSignature(s.fake.webhookSecret, t, genuine.body)}`,
      },
      body: genuine.body,
    };
    expect(await s.provider.handleWebhook(s.context, rolled)).toMatchObject({ verified: true });
  });

  it("is in the composition root's default list, so a storefront listing stripe routes to it", () => {
    expect(s.app.services.payments.registry.get("stripe")?.capabilities).toEqual(s.provider.capabilities);
  });

  it("an unknown intent is not found on retrieve", async () => {
    expect(await s.provider.retrieve(s.context, { idempotencyKey: "x", reference: "pi_does_not_exist" })).toMatchObject(
      { status: "not_found" },
    );
  });
});
