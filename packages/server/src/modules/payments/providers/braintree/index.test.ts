import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPaymentProvider } from "../../contract.js";
import type { WebhookRequest } from "../../provider.js";
import { adapterTestSetup, chargeWith } from "../adapter-test-setup.js";
import { tokenOf } from "./api.js";
import { braintreeTestMethod, startFakeBraintree } from "./fake-braintree.js";
import { braintreeProvider } from "./index.js";

// Generous for a loaded machine; only the fake-timeout method waits it out.
const TIMEOUT_MS = 2000;
const method = (name: string) => tokenOf(braintreeTestMethod(name));

async function setup() {
  const s = await adapterTestSetup(
    "braintree",
    () => startFakeBraintree(),
    (fake) => ({
      config: { api_base: fake.url, timeout_ms: TIMEOUT_MS, merchant_account_id: "tessera_test" },
      credentials: { public_key: fake.publicKey, private_key: fake.privateKey },
    }),
  );
  return { ...s, provider: braintreeProvider({ fetch: globalThis.fetch, clock: s.app.clock }) };
}

/** Alters the notification inside the base64 payload, keeping Braintree's signature. */
function tamper(genuine: WebhookRequest, legacyId: string): WebhookRequest {
  const form = new URLSearchParams(genuine.body);
  const xml = Buffer.from(form.get("bt_payload")!, "base64").toString("utf8");
  form.set("bt_payload", `${Buffer.from(xml.replaceAll(legacyId, `${legacyId}0`)).toString("base64")}\n`);
  return { ...genuine, body: form.toString() };
}

testPaymentProvider("braintree", async () => {
  const s = await setup();
  return {
    provider: s.provider,
    context: s.context,
    currency: "EUR",
    methods: {
      ok: method("fake-valid"),
      softDecline: method("fake-insufficient"),
      hardDecline: method("fake-stolen"),
      unknownAfterSend: method("fake-timeout"),
    },
    codes: { softDecline: "2001", hardDecline: "2013" },
    signedWebhook: async (reference, eventId) =>
      s.fake.notification("dispute_opened", reference, s.context.scope.clock.now(), eventId),
    eventIdOf: (eventId) => `dispute_opened:${eventId}`,
    tamper: (genuine, reference) => tamper(genuine, s.fake.legacyIdOf(reference)),
    unsigned: (genuine) => {
      const form = new URLSearchParams(genuine.body);
      form.delete("bt_signature");
      return { ...genuine, body: form.toString() };
    },
    vaultToken: "fake-valid-nonce",
    chargesUnder: async (key) => s.fake.transactionsUnder(key),
    close: s.close,
  };
});

describe("braintree adapter beyond the contract", () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let n = 0;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(() => s?.close());
  const charge = chargeWith(
    () => s.provider,
    () => s.context,
    "braintree-extra",
  );

  it("declines by Braintree's sandbox test amounts: 2000.00 Do Not Honor is soft, 2004.00 Expired Card hard", async () => {
    expect(await charge(method("fake-valid"), { amount: 200_000 })).toMatchObject({
      status: "soft_decline",
      code: "2000",
    });
    expect(await charge(method("fake-valid"), { amount: 200_400 })).toMatchObject({
      status: "hard_decline",
      code: "2004",
    });
    expect(await charge(method("fake-valid"), { amount: 300_000 })).toMatchObject({
      status: "soft_decline",
      code: "3000",
      retry: { allowed: true, tryAnotherAcquirer: true },
    });
  });

  it("a charge that needed 3-D Secure declines (2099): only the customer can fix it", async () => {
    expect(await charge(method("fake-3ds-required"), { onSession: false })).toMatchObject({
      status: "soft_decline",
      code: "2099",
      retry: { allowed: false },
    });
  });

  it("Mastercard advice 03 makes a Do Not Honor hard", async () => {
    expect(await charge(method("fake-mac03"))).toMatchObject({
      status: "hard_decline",
      code: "2000",
      retry: { allowed: false },
    });
  });

  it("rate limited (RESOURCE_LIMIT) is an error; an INTERNAL 500 may have charged", async () => {
    s.fake.failNext(429);
    expect(await charge(method("fake-valid"))).toMatchObject({ status: "error", code: "RESOURCE_LIMIT" });
    const key = `braintree-500-${++n}`;
    expect(await s.provider.retrieve(s.context, { idempotencyKey: key, reference: null })).toMatchObject({
      status: "not_found",
    });
    s.fake.failNext(500);
    expect(await s.provider.retrieve(s.context, { idempotencyKey: key, reference: null })).toMatchObject({
      status: "unknown",
      sent: true,
    });
  });

  it("an unknown payment method token never leaves; a wrong private key is refused before processing", async () => {
    expect(await charge("pm_card_visa")).toMatchObject({ status: "hard_decline", code: "payment_method_unknown" });
    const context = { ...s.context, credentials: async () => ({ public_key: s.fake.publicKey, private_key: "wrong" }) };
    expect(
      await s.provider.charge(context, {
        idempotencyKey: `bt-auth-${++n}`,
        amount: 100,
        currency: "EUR",
        paymentMethod: method("fake-valid"),
        customer: "c",
      }),
    ).toMatchObject({ status: "error" });
  });

  it("a void never reverses a captured charge (that would refund it)", async () => {
    const paid = await charge(method("fake-valid"));
    expect(
      await s.provider.void(s.context, { idempotencyKey: `bt-void-${++n}`, reference: paid.reference! }),
    ).toMatchObject({
      status: "refused",
    });
  });

  it("webhooks: a settlement carries our key and the captured total; a replay names the same event", async () => {
    const key = `braintree-hook-${++n}`;
    const paid = await charge(method("fake-valid"), { idempotencyKey: key });
    const now = s.context.scope.clock.now();
    const settled = s.fake.notification("transaction_settled", paid.reference!, now);
    const expected = {
      verified: true,
      events: [
        {
          type: "payment.settled",
          reference: paid.reference,
          merchantReference: key,
          amount: 1500,
          currency: "EUR",
          totals: { captured: 1500 },
        },
      ],
    };
    const first = await s.provider.handleWebhook(s.context, settled);
    expect(first).toMatchObject(expected);
    const replay = await s.provider.handleWebhook(s.context, settled);
    expect(replay).toEqual(first);
    const otherKey = {
      ...s.context,
      credentials: async () => ({ public_key: s.fake.publicKey, private_key: "rolled" }),
    };
    expect(await s.provider.handleWebhook(otherKey, settled)).toMatchObject({ verified: false });
    const form = new URLSearchParams(settled.body);
    form.set("bt_payload", `${form.get("bt_payload")}<x>`);
    expect(await s.provider.handleWebhook(s.context, { ...settled, body: form.toString() })).toMatchObject({
      verified: false,
      reason: expect.stringContaining("illegal"),
    });
  });

  it("a refund before settlement is refused with Braintree's 91506, not lost", async () => {
    const fake = await startFakeBraintree();
    fake.settleLater();
    const context = {
      ...s.context,
      config: { ...s.context.config, api_base: fake.url },
      credentials: async () => ({ public_key: fake.publicKey, private_key: fake.privateKey }),
    };
    try {
      const paid = await s.provider.charge(context, {
        idempotencyKey: `bt-unsettled-${++n}`,
        amount: 1000,
        currency: "EUR",
        paymentMethod: method("fake-valid"),
        customer: "c",
      });
      expect(
        await s.provider.refund(context, {
          idempotencyKey: `bt-unsettled-refund-${++n}`,
          reference: paid.reference!,
          amount: 1000,
          currency: "EUR",
        }),
      ).toMatchObject({ status: "refused", code: "91506" });
    } finally {
      await fake.close();
    }
  });

  it("vaulting keeps Braintree's unique number identifier as the fingerprint", async () => {
    const saved = await s.provider.savePaymentMethod(s.context, {
      idempotencyKey: `bt-vault-${++n}`,
      customer: "c",
      token: "fake-valid-nonce",
    });
    if (saved.status !== "saved") throw new Error(saved.status);
    expect(saved.method).toMatchObject({
      brand: "visa",
      last4: "1881",
      expMonth: 12,
      expYear: 2030,
      fingerprint: expect.any(String),
    });
    expect(saved.method.token).toMatch(/^pm_[A-Za-z0-9_]{1,120}$/);
    expect(
      await s.provider.savePaymentMethod(s.context, {
        idempotencyKey: `bt-vault-${++n}`,
        customer: "c",
        token: "fake-processor-declined-visa-nonce",
      }),
    ).toMatchObject({ status: "refused", code: "2000" });
  });

  it("charges each currency through its merchant account; a wrong account's currency is refused loudly", async () => {
    const context = { ...s.context, config: { ...s.context.config, merchant_account_id_usd: "tessera_usd" } };
    expect(await charge(method("fake-valid"), { currency: "USD", context })).toMatchObject({ status: "succeeded" });
    // No USD account configured: Braintree would charge the EUR account's currency.
    await expect(charge(method("fake-valid"), { currency: "USD" })).rejects.toThrow(/merchant_account_id_usd/);
  });

  it("is in the composition root's default list", () => {
    expect(s.app.services.payments.registry.get("braintree")?.capabilities).toEqual(s.provider.capabilities);
  });
});
