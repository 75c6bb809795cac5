import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPaymentProvider } from "../../contract.js";
import type { OperationOutcome, PaymentProvider, ProviderContext } from "../../provider.js";
import { adapterTestSetup } from "../adapter-test-setup.js";
import { type FakeAdyen, startFakeAdyen } from "./fake-adyen.js";
import { adyenProvider } from "./index.js";

// Generous for a loaded machine; only pm_timeout waits it out.
const TIMEOUT_MS = 2000;

async function setup() {
  const s = await adapterTestSetup("adyen", startFakeAdyen, (fake) => ({
    config: { api_base: `${fake.url}/`, timeout_ms: TIMEOUT_MS, return_url: "https://shop.example/return" },
    credentials: {
      api_key: fake.apiKey,
      merchant_account: fake.merchantAccount,
      hmac_key: fake.hmacKey,
      webhook_username: fake.webhookAuth.username,
      webhook_password: fake.webhookAuth.password,
    },
  }));
  return { ...s, provider: adyenProvider({ fetch: globalThis.fetch, clock: s.app.clock }) };
}

/** The webhook that settles an asynchronous modification, read through the adapter. */
async function settle(
  s: { fake: FakeAdyen; provider: PaymentProvider; context: ProviderContext },
  o: OperationOutcome,
) {
  const read = await s.provider.handleWebhook(s.context, s.fake.notificationFor(o.reference!));
  if (!read.verified) throw new Error(`webhook not verified: ${read.reason}`);
  const e = read.events[0];
  if (e && ["payment.captured", "payment.refunded", "payment.voided"].includes(e.type))
    return { status: "succeeded" as const, reference: o.reference!, amount: e.amount ?? 0, vendor: e.vendor };
  return {
    status: "refused" as const,
    reference: o.reference,
    code: e?.vendor.code ?? "refused",
    message: "refused by webhook",
    vendor: e?.vendor ?? { code: null, raw: null },
  };
}

const VAULT_TOKEN = JSON.stringify({
  type: "scheme",
  encryptedCardNumber: "test_4111111111111111",
  encryptedExpiryMonth: "test_03",
  encryptedExpiryYear: "test_2030",
  encryptedSecurityCode: "test_737",
});

testPaymentProvider("adyen", async () => {
  const s = await setup();
  return {
    provider: s.provider,
    context: s.context,
    currency: "EUR",
    methods: {
      ok: "pm_ok",
      softDecline: "pm_not_enough_balance",
      hardDecline: "pm_stolen",
      requiresAction: "pm_3ds",
    },
    codes: { softDecline: "12", hardDecline: "5" },
    completeAction: async (o) => s.fake.completeRedirect(o.reference),
    signedWebhook: async (reference, eventId) => s.fake.refundNotification(reference, eventId),
    settle: (o) => settle(s, o),
    lookup: false,
    vaultToken: VAULT_TOKEN,
    chargesUnder: async (key) => s.fake.paymentsUnder(key),
    close: s.close,
  };
});

describe("adyen adapter beyond the contract", () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let n = 0;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(() => s?.close());
  const charge = (
    paymentMethod: string,
    extra: { onSession?: boolean; idempotencyKey?: string; context?: ProviderContext } = {},
  ) =>
    s.provider.charge(extra.context ?? s.context, {
      idempotencyKey: extra.idempotencyKey ?? `adyen-extra-${++n}`,
      amount: 1500,
      currency: "EUR",
      paymentMethod,
      customer: "cus_tessera_1",
      ...(extra.onSession !== undefined && { onSession: extra.onSession }),
    });

  it("a renewal is a merchant-initiated subscription payment with our key as merchant reference", async () => {
    const idempotencyKey = `adyen-renewal-${++n}`;
    expect(await charge("pm_ok", { onSession: false, idempotencyKey })).toMatchObject({ status: "succeeded" });
    expect(s.fake.lastPayment()).toMatchObject({
      shopperInteraction: "ContAuth",
      recurringProcessingModel: "Subscription",
      paymentMethod: { type: "scheme", storedPaymentMethodId: "ok" },
      shopperReference: "cus_tessera_1",
      reference: idempotencyKey,
      amount: { value: 1500, currency: "EUR" },
    });
  });

  it("a 429 is an error (not processed): failover is safe", async () => {
    s.fake.failNext(429);
    expect(await charge("pm_ok")).toMatchObject({ status: "error", code: "429" });
  });

  it("a 500 may have charged: unknown, sent", async () => {
    s.fake.failNext(500);
    expect(await charge("pm_ok")).toMatchObject({ status: "unknown", sent: true, vendor: { code: "905" } });
  });

  it("a timeout after sending is unknown, sent", async () => {
    expect(await charge("pm_timeout")).toMatchObject({ status: "unknown", sent: true });
  });

  it("a refused connection never left: unknown, not sent", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const context = { ...s.context, config: { api_base: `http://127.0.0.1:${port}` } };
    expect(await charge("pm_ok", { context })).toMatchObject({ status: "unknown", sent: false });
  });

  it("keys longer than Adyen's 64 characters are sent hashed, and still replay", async () => {
    const idempotencyKey = `adyen-long-${"x".repeat(80)}-${++n}`;
    const first = await charge("pm_ok", { idempotencyKey });
    expect(first.status).toBe("succeeded");
    expect(await charge("pm_ok", { idempotencyKey })).toEqual(first);
    expect(s.fake.paymentsUnder(idempotencyKey)).toBe(1);
  });

  it("an off-session charge that needs authentication declines softly, retried only with the customer", async () => {
    expect(await charge("pm_3ds", { onSession: false })).toMatchObject({
      status: "soft_decline",
      code: "38",
      retry: { allowed: false },
    });
  });

  it("Mastercard merchant advice decides: 03 never retried, 24 not before an hour", async () => {
    expect(await charge("pm_mastercard_mac03")).toMatchObject({
      status: "hard_decline",
      code: "2",
      retry: { allowed: false },
      vendor: { code: expect.stringContaining("mac 03") },
    });
    expect(await charge("pm_mastercard_mac24")).toMatchObject({
      status: "soft_decline",
      code: "12",
      retry: { allowed: true, afterSeconds: 3600 },
    });
  });

  it("an unavailable issuer may be tried through another acquirer at once", async () => {
    expect(await charge("pm_issuer_unavailable")).toMatchObject({
      status: "soft_decline",
      code: "9",
      retry: { allowed: true, tryAnotherAcquirer: true },
    });
  });

  it("vaulting keeps brand, last4, expiry and the network's account reference", async () => {
    const saved = await s.provider.savePaymentMethod(s.context, {
      idempotencyKey: `adyen-vault-${++n}`,
      customer: "cus_tessera_1",
      token: VAULT_TOKEN,
    });
    expect(saved).toMatchObject({
      status: "saved",
      method: { brand: "visa", last4: "1111", expMonth: 3, expYear: 2030, fingerprint: expect.stringMatching(/^V0/) },
    });
  });

  it("webhooks: a refused refund is refund_failed; a wrong HMAC key or basic auth is refused", async () => {
    const paid = await charge("pm_ok");
    const refund = await s.provider.refund(s.context, {
      idempotencyKey: `adyen-refund-${++n}`,
      reference: paid.reference!,
      amount: 5000,
      currency: "EUR",
    });
    expect(refund).toMatchObject({ status: "pending" });
    const hook = s.fake.notificationFor(refund.reference!);
    expect(await s.provider.handleWebhook(s.context, hook)).toMatchObject({
      verified: true,
      events: [{ type: "payment.refund_failed", reference: paid.reference, amount: 5000, currency: "EUR" }],
    });
    const otherKey = {
      ...s.context,
      credentials: async () => ({ ...(await s.context.credentials()), hmac_key: "00".repeat(32) }),
    };
    expect(await s.provider.handleWebhook(otherKey, hook)).toMatchObject({ verified: false });
    const badAuth = { ...hook, headers: { authorization: "Basic d3Jvbmc6d3Jvbmc=" } };
    expect(await s.provider.handleWebhook(s.context, badAuth)).toMatchObject({ verified: false });
  });

  it("is in the composition root's default list, so a storefront listing adyen routes to it", () => {
    expect(s.app.services.payments.registry.get("adyen")?.capabilities).toEqual(s.provider.capabilities);
  });
});
