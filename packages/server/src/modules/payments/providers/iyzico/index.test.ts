import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPaymentProvider } from "../../contract.js";
import type { Buyer, ChargeRequest, PaymentProvider } from "../../provider.js";
import { adapterTestSetup } from "../adapter-test-setup.js";
import { cardTokenOf, storedCardOf } from "./api.js";
import { IYZICO_CARD_USER, iyzicoTestCard, startFakeIyzico } from "./fake-iyzico.js";
import { iyzicoProvider } from "./index.js";

// Generous for a loaded machine; only the FAKEtimeout card waits it out.
const TIMEOUT_MS = 1500;

const BUYER: Buyer = {
  id: "cus_iyzico_1",
  email: "ayse@example.com.tr",
  name: "Ayşe Nur Yılmaz",
  identityNumber: "74300864791",
  country: "TR",
  address: {
    line1: "Nidakule Göztepe, Bora Sok. 1",
    line2: null,
    city: "Istanbul",
    postalCode: "34732",
    country: "TR",
  },
  ip: "85.34.78.112",
};

/** What the payments service does for an adapter whose capabilities ask for the buyer. */
function withBuyer(provider: PaymentProvider, buyer: Buyer = BUYER): PaymentProvider {
  const add = (r: ChargeRequest) => ({ ...r, buyer: r.buyer ?? buyer });
  return {
    ...provider,
    charge: (c, r) => provider.charge(c, add(r)),
    authorize: (c, r) => provider.authorize(c, add(r)),
  };
}

const token = (t: Parameters<typeof iyzicoTestCard>[0]) => {
  const [cardUserKey, cardToken] = iyzicoTestCard(t).split(":") as [string, string];
  return cardTokenOf({ cardUserKey, cardToken });
};

async function setup() {
  const s = await adapterTestSetup(
    "iyzico",
    () => startFakeIyzico(),
    (fake) => ({
      config: { api_base: fake.url, timeout_ms: TIMEOUT_MS, merchant_ip: "10.0.0.1" },
      credentials: { api_key: fake.apiKey, secret_key: fake.secretKey },
    }),
  );
  return { ...s, raw: iyzicoProvider({ fetch: globalThis.fetch, clock: s.app.clock }) };
}

testPaymentProvider("iyzico", async () => {
  const s = await setup();
  return {
    provider: withBuyer(s.raw),
    context: s.context,
    currency: "TRY",
    methods: {
      ok: token("FAKE+ok/card="),
      softDecline: token("FAKEnotsufficientfunds"),
      hardDecline: token("FAKEstolencard"),
      requiresAction: token("FAKE+ok/card="),
      unknownAfterSend: token("FAKEtimeout"),
    },
    codes: { softDecline: "10051", hardDecline: "10043" },
    completeAction: async (o) => s.fake.completeThreeDS(o.reference),
    signedWebhook: async (reference, eventId) => s.fake.notification(reference, eventId),
    vaultToken: iyzicoTestCard("FAKE+ok/card="),
    chargesUnder: async (key) => s.fake.paymentsUnder(key),
    close: s.close,
  };
});

describe("iyzico adapter beyond the contract", () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let n = 0;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(() => s?.close());
  const request = (extra: Partial<ChargeRequest> = {}): ChargeRequest => ({
    idempotencyKey: `iyzico-extra-${++n}`,
    amount: 1534,
    currency: "TRY",
    paymentMethod: token("FAKE+ok/card="),
    customer: "cus_iyzico_1",
    buyer: BUYER,
    ...extra,
  });

  it("round-trips iyzico's card keys through a Tessera token, and refuses what is not one", () => {
    const card = { cardUserKey: IYZICO_CARD_USER, cardToken: "a+b/c==" };
    const t = cardTokenOf(card);
    expect(t).toMatch(/^pm_[A-Za-z0-9_]+$/);
    expect(storedCardOf(t)).toEqual(card);
    expect(storedCardOf(`${card.cardUserKey}:${card.cardToken}`)).toEqual(card);
    expect(storedCardOf("pm_card_visa")).toBeUndefined();
    expect(storedCardOf("pm_iyz_abc")).toBeUndefined();
  });

  it("refuses, before sending anything, a charge whose buyer lacks what iyzico requires", async () => {
    const before = s.fake.calls("/payment/auth");
    const o = await s.raw.charge(s.context, request({ buyer: { ...BUYER, identityNumber: null, name: "Ayşe" } }));
    expect(o).toMatchObject({ status: "hard_decline", code: "buyer_identity_incomplete", retry: { allowed: false } });
    if (o.status !== "hard_decline") throw new Error("unreachable");
    expect(o.message).toContain("tax_number");
    expect(o.message).toContain("surname");
    expect(await s.raw.charge(s.context, request({ buyer: undefined }))).toMatchObject({
      code: "buyer_identity_incomplete",
    });
    expect(s.fake.calls("/payment/auth")).toBe(before);
  });

  it("reports the buyer without the customer's IP through the storefront's merchant_ip", async () => {
    expect(await s.raw.charge(s.context, request({ buyer: { ...BUYER, ip: null } }))).toMatchObject({
      status: "succeeded",
    });
    const noIp = { ...s.context, config: { ...s.context.config, merchant_ip: "" } };
    expect(await s.raw.charge(noIp, request({ buyer: { ...BUYER, ip: null } }))).toMatchObject({
      status: "hard_decline",
      code: "buyer_identity_incomplete",
    });
  });

  it("asks iyzico before re-sending a refund whose answer was lost: one refund, however often it is retried", async () => {
    const paid = await s.raw.charge(s.context, request());
    if (paid.status !== "succeeded") throw new Error(`charge: ${paid.status}`);
    const refund = { idempotencyKey: `iyzico-refund-${++n}`, reference: paid.reference, amount: 500, currency: "TRY" };
    // The refund reaches iyzico, then its answer is lost (a 500 after processing is indistinguishable).
    const lossy: typeof fetch = async (input, init) => {
      const res = await globalThis.fetch(input, init);
      if (String(input).includes("/v2/payment/refund")) return new Response("<html>502</html>", { status: 502 });
      return res;
    };
    const lossyProvider = iyzicoProvider({ fetch: lossy, clock: s.app.clock });
    expect(await lossyProvider.refund(s.context, refund)).toMatchObject({ status: "unknown", sent: true });
    expect(s.fake.refundsOf(paid.reference)).toBe(1);
    const sent = s.fake.calls("/v2/payment/refund");
    // The retry finds the refund under its key and answers it without sending another.
    expect(await s.raw.refund(s.context, refund)).toMatchObject({ status: "succeeded", amount: 500 });
    expect(await s.raw.refund(s.context, refund)).toMatchObject({ status: "succeeded", amount: 500 });
    expect(s.fake.calls("/v2/payment/refund")).toBe(sent);
    expect(s.fake.refundsOf(paid.reference)).toBe(1);
  });

  it("does not refund when iyzico cannot be asked whether the refund happened", async () => {
    const paid = await s.raw.charge(s.context, request());
    if (paid.status !== "succeeded") throw new Error(`charge: ${paid.status}`);
    const sent = s.fake.calls("/v2/payment/refund");
    s.fake.failNext(500);
    expect(
      await s.raw.refund(s.context, {
        idempotencyKey: `iyzico-refund-${++n}`,
        reference: paid.reference,
        amount: 100,
        currency: "TRY",
      }),
    ).toMatchObject({ status: "unknown", sent: false });
    expect(s.fake.calls("/v2/payment/refund")).toBe(sent);
  });

  it("opens 3-D Secure for a customer-present charge with the bank's page as next action", async () => {
    const o = await s.raw.charge(s.context, request({ onSession: true, returnUrl: "https://shop.example/return" }));
    if (o.status !== "requires_action") throw new Error(`expected requires_action, got ${o.status}`);
    expect(o.action.type).toBe("three_d_secure");
    expect(Buffer.from(o.action.data!.threeDSHtmlContent!, "base64").toString()).toContain("<form");
    // Off session (a renewal) the same card is charged without 3-D Secure.
    expect(await s.raw.charge(s.context, request({ onSession: false }))).toMatchObject({ status: "succeeded" });
    // A confirm without the bank's verification is a decline the customer alone can fix.
    expect(
      await s.raw.confirm(s.context, { idempotencyKey: `c-${++n}`, reference: o.reference, data: {} }),
    ).toMatchObject({ status: "soft_decline", code: "10210", retry: { allowed: false } });
  });

  it("maps iyzico's own refusals to error (failover is safe) and lost answers to unknown", async () => {
    s.fake.failNext(429);
    expect(await s.raw.charge(s.context, request())).toMatchObject({ status: "error", code: "http_429" });
    const badKey = { ...s.context, credentials: async () => ({ api_key: "wrong", secret_key: "wrong" }) };
    expect(await s.raw.charge(badKey, request())).toMatchObject({ status: "error", code: "1000" });
    const noCreds = { ...s.context, credentials: async () => ({}) };
    expect(await s.raw.charge(noCreds, request())).toMatchObject({ status: "unknown", sent: false });
  });

  it("reads webhooks: SUCCESS authorizes, FAILURE fails, 3-D Secure steps are no events", async () => {
    const paid = await s.raw.charge(s.context, request());
    if (paid.status !== "succeeded") throw new Error(`charge: ${paid.status}`);
    expect(await s.raw.handleWebhook(s.context, s.fake.notification(paid.reference, "ref-1"))).toMatchObject({
      verified: true,
      events: [
        { id: "ref-1", type: "payment.authorized", reference: paid.reference, merchantReference: expect.any(String) },
      ],
    });
    expect(await s.raw.handleWebhook(s.context, s.fake.notification(paid.reference, "ref-2", "FAILURE"))).toMatchObject(
      { verified: true, events: [{ type: "payment.failed" }] },
    );
  });
});
