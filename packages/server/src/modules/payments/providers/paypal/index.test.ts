import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPaymentProvider } from "../../contract.js";
import { adapterTestSetup, chargeWith } from "../adapter-test-setup.js";
import { startFakePayPal } from "./fake-paypal.js";
import { paypalProvider } from "./index.js";
import { certificateFetch, PAYPAL_TEST_PKI, TEST_CERT_URL } from "./test-pki.js";

// Generous for a loaded machine; only pm_card_timeout waits it out.
const TIMEOUT_MS = 2000;

/** Reaches the fake for API calls and answers PayPal's certificate URL with the test chain. */
function fetchVia(): typeof fetch {
  const certs = certificateFetch({ [TEST_CERT_URL]: PAYPAL_TEST_PKI.chain });
  return (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    return url === TEST_CERT_URL ? certs(input, init) : globalThis.fetch(input, init);
  };
}

async function setup() {
  const s = await adapterTestSetup("paypal", startFakePayPal, (fake) => ({
    config: { api_base: fake.url, timeout_ms: TIMEOUT_MS, return_url: "https://shop.example/return" },
    credentials: { client_id: fake.clientId, client_secret: fake.clientSecret, webhook_id: fake.webhookId },
  }));
  const provider = paypalProvider({ fetch: fetchVia(), clock: s.app.clock }, { trustedRoots: [PAYPAL_TEST_PKI.root] });
  return { ...s, provider };
}

testPaymentProvider("paypal", async () => {
  const s = await setup();
  return {
    provider: s.provider,
    context: s.context,
    currency: "EUR",
    methods: {
      ok: "pm_card_ok",
      softDecline: "pm_card_insufficientfunds",
      hardDecline: "pm_card_stolen",
      requiresAction: "pm_card_3ds",
    },
    codes: { softDecline: "5120", hardDecline: "9520" },
    completeAction: async (o) => {
      s.fake.approve(o.reference);
      return {};
    },
    // The contract needs the charge's reference in the signed body: a capture event carries its order id.
    signedWebhook: async (reference, eventId) =>
      s.fake.captureCompletedEvent(reference, eventId, s.context.scope.clock.now()),
    vaultToken: "setup-card-visa",
    chargesUnder: async (key) => s.fake.ordersUnder(key),
    close: s.close,
  };
});

describe("paypal adapter beyond the contract", () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let n = 0;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(() => s?.close());
  const charge = chargeWith(
    () => s.provider,
    () => s.context,
    "paypal-extra",
  );

  it("fetches one OAuth token and reuses it until PayPal stops accepting it", async () => {
    const before = s.fake.tokensIssued();
    await charge("pm_card_ok");
    await charge("pm_card_ok");
    expect(s.fake.tokensIssued() - before).toBeLessThanOrEqual(1);
    s.fake.expireTokens();
    expect(await charge("pm_card_ok")).toMatchObject({ status: "succeeded" });
    expect(s.fake.tokensIssued()).toBeGreaterThan(before);
  });

  it("concurrent charges share one token request", async () => {
    s.fake.expireTokens();
    const before = s.fake.tokensIssued();
    const all = await Promise.all([1, 2, 3, 4].map(() => charge("pm_card_ok")));
    expect(all.map((o) => o.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    expect(s.fake.tokensIssued() - before).toBe(1);
  });

  it("wrong client credentials: no token, so the charge never left (failover is safe)", async () => {
    const context = {
      ...s.context,
      credentials: async () => ({ client_id: "x", client_secret: "y", webhook_id: "z" }),
    };
    expect(
      await s.provider.charge(context, {
        idempotencyKey: `paypal-creds-${++n}`,
        amount: 100,
        currency: "EUR",
        paymentMethod: "pm_card_ok",
        customer: "c",
      }),
    ).toMatchObject({ status: "unknown", sent: false });
  });

  it("a 429 is an error (not processed); a 500 may have charged: unknown, sent", async () => {
    s.fake.failNext(429);
    expect(await charge("pm_card_ok")).toMatchObject({ status: "error", code: "RATE_LIMIT_REACHED" });
    s.fake.failNext(500);
    expect(await charge("pm_card_ok")).toMatchObject({
      status: "unknown",
      sent: true,
      vendor: { raw: expect.stringContaining("INTERNAL_SERVER_ERROR") },
    });
  });

  it("a timeout after sending is unknown; the replay under the same key finds the one order", async () => {
    const idempotencyKey = `paypal-timeout-${++n}`;
    expect(await charge("pm_card_timeout", { idempotencyKey })).toMatchObject({ status: "unknown", sent: true });
    expect(await charge("pm_card_timeout", { idempotencyKey })).toMatchObject({ status: "succeeded" });
    expect(s.fake.ordersUnder(idempotencyKey)).toBe(1);
  });

  it("Mastercard advice 03 makes a do-not-honor hard; without it the decline is soft", async () => {
    expect(await charge("pm_card_mac03")).toMatchObject({
      status: "hard_decline",
      code: "0500",
      retry: { allowed: false },
    });
    expect(await charge("pm_card_donothonor")).toMatchObject({
      status: "soft_decline",
      code: "0500",
      retry: { allowed: true },
    });
    expect(await charge("pm_card_expired")).toMatchObject({ status: "hard_decline", code: "5400" });
  });

  it("a wallet PayPal refuses is a hard decline with its issue; an unknown token never leaves", async () => {
    expect(await charge("pm_paypal_cannotpay")).toMatchObject({ status: "hard_decline", code: "PAYER_CANNOT_PAY" });
    expect(await charge("pm_paypal_ok")).toMatchObject({ status: "succeeded" });
    expect(await charge("pm_somethingelse")).toMatchObject({ status: "hard_decline", code: "payment_method_unknown" });
  });

  it("off-session, a card that needs 3-D Secure declines softly, retried only with the customer", async () => {
    expect(await charge("pm_card_3ds", { onSession: false })).toMatchObject({
      status: "soft_decline",
      code: "5650",
      retry: { allowed: false },
    });
    const present = await charge("pm_card_3ds");
    expect(present).toMatchObject({
      status: "requires_action",
      action: { type: "redirect", url: expect.stringContaining("checkoutnow") },
    });
  });

  it("sends decimal values in PayPal's exponents: JPY and HUF whole, KWD three places", async () => {
    expect(await charge("pm_card_ok", { amount: 500, currency: "JPY" })).toMatchObject({ status: "succeeded" });
    expect(await charge("pm_card_ok", { amount: 12_300, currency: "HUF" })).toMatchObject({ status: "succeeded" });
    // 123.45 HUF cannot be sent to PayPal: refused before sending, never rounded.
    await expect(charge("pm_card_ok", { amount: 12_345, currency: "HUF" })).rejects.toThrow(/decimals/);
    const kwd = await charge("pm_card_ok", { amount: 1_500, currency: "KWD" });
    const refund = await s.provider.refund(s.context, {
      idempotencyKey: `paypal-kwd-${++n}`,
      reference: kwd.reference!,
      amount: 1_500,
      currency: "KWD",
    });
    expect(refund).toMatchObject({ status: "succeeded", amount: 1_500 });
  });

  it("never captures more than was authorized, though PayPal would take 115%", async () => {
    const auth = await s.provider.authorize(s.context, {
      idempotencyKey: `paypal-auth-${++n}`,
      amount: 1000,
      currency: "EUR",
      paymentMethod: "pm_card_ok",
      customer: "c",
    });
    expect(
      await s.provider.capture(s.context, {
        idempotencyKey: `paypal-cap-${++n}`,
        reference: auth.reference!,
        amount: 1100,
      }),
    ).toMatchObject({ status: "refused", code: "AMOUNT_EXCEEDS_AUTHORIZATION" });
    expect(
      await s.provider.capture(s.context, { idempotencyKey: `paypal-cap-${++n}`, reference: auth.reference! }),
    ).toMatchObject({ status: "succeeded", amount: 1000 });
  });

  it("webhooks: a refund is traced to its order through its capture, with PayPal's refunded total", async () => {
    const key = `paypal-hook-${++n}`;
    const paid = await charge("pm_card_ok", { idempotencyKey: key });
    const reference = paid.reference!;
    const now = s.context.scope.clock.now();
    expect(await s.provider.handleWebhook(s.context, s.fake.refundedEvent(reference, "WH-1", 1500, now))).toMatchObject(
      {
        verified: true,
        events: [
          {
            id: "WH-1",
            type: "payment.refunded",
            reference,
            amount: 1500,
            currency: "EUR",
            totals: { refunded: 1500 },
          },
        ],
      },
    );
    expect(
      await s.provider.handleWebhook(s.context, s.fake.captureCompletedEvent(reference, "WH-2", now)),
    ).toMatchObject({
      verified: true,
      events: [{ id: "WH-2", type: "payment.captured", reference, merchantReference: key, totals: { captured: 1500 } }],
    });
  });

  it("webhooks: replayed past PayPal's redelivery window, or under another webhook id, are refused", async () => {
    const paid = await charge("pm_card_ok");
    const old = s.fake.captureCompletedEvent(
      paid.reference!,
      "WH-3",
      new Date(s.context.scope.clock.now().getTime() - 4 * 86_400_000),
    );
    expect(await s.provider.handleWebhook(s.context, old)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("tolerance"),
    });
    const genuine = s.fake.captureCompletedEvent(paid.reference!, "WH-4", s.context.scope.clock.now());
    const other = {
      ...s.context,
      credentials: async () => ({
        client_id: s.fake.clientId,
        client_secret: s.fake.clientSecret,
        webhook_id: "OTHER1",
      }),
    };
    expect(await s.provider.handleWebhook(other, genuine)).toMatchObject({ verified: false });
  });

  it("retrieve: an unknown order is not found; without a reference PayPal cannot be asked", async () => {
    expect(await s.provider.retrieve(s.context, { idempotencyKey: "x", reference: "0VF52814937998046" })).toMatchObject(
      {
        status: "not_found",
      },
    );
    expect(await s.provider.retrieve(s.context, { idempotencyKey: "x", reference: null })).toMatchObject({
      status: "unknown",
      sent: true,
    });
  });

  it("vaults a PayPal wallet as its own payment source", async () => {
    const saved = await s.provider.savePaymentMethod(s.context, {
      idempotencyKey: `paypal-vault-${++n}`,
      customer: "c",
      token: "setup-paypal-1",
    });
    if (saved.status !== "saved") throw new Error(`expected saved, got ${saved.status}`);
    expect(saved.method.token).toMatch(/^pm_paypal_[A-Za-z0-9]+$/);
    expect(await charge(saved.method.token, { onSession: false })).toMatchObject({ status: "succeeded" });
  });

  it("is in the composition root's default list", () => {
    expect(s.app.services.payments.registry.get("paypal")?.capabilities).toEqual(s.provider.capabilities);
  });
});
