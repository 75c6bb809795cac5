import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../lib/clock.js";
import { certificateFetch, PAYPAL_TEST_PKI, signPayPalDelivery, TEST_CERT_URL } from "./test-pki.js";
import { crc32, createPayPalSignatureVerifier, isPayPalCertUrl, paypalSignedString } from "./webhook-signature.js";

const WEBHOOK_ID = "9XL90610J3647323C";
const NOW = "2026-03-01T12:00:00Z";
const body = JSON.stringify({
  id: "WH-9UG43882HX7271132-6E0871324L7949614",
  event_type: "PAYMENT.CAPTURE.REFUNDED",
  resource: { id: "1GF88234WW9520233", amount: { value: "10.00", currency_code: "EUR" } },
});

function setup(certs: Record<string, string> = { [TEST_CERT_URL]: PAYPAL_TEST_PKI.chain }) {
  const clock = new ManualClock(NOW);
  const fetch = certificateFetch(certs);
  const verifier = createPayPalSignatureVerifier({ fetch, clock, trustedRoots: [PAYPAL_TEST_PKI.root] });
  const deliver = (overrides: Partial<Parameters<typeof signPayPalDelivery>[0]> = {}) =>
    signPayPalDelivery({
      body,
      webhookId: WEBHOOK_ID,
      transmissionId: "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
      transmissionTime: NOW,
      ...overrides,
    });
  return { clock, fetch, verifier, deliver };
}

describe("paypal webhook signature", () => {
  it("signs transmission id | time | webhook id | unsigned decimal CRC32 of the raw body", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    const bytes = Buffer.from(body);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(paypalSignedString("t1", NOW, WEBHOOK_ID, body)).toBe(`t1|${NOW}|${WEBHOOK_ID}|${zlibCrc32(bytes)}`);
  });

  it("verifies a genuine delivery, fetching the certificate once per URL", async () => {
    const s = setup();
    const genuine = s.deliver();
    expect(await s.verifier.verify(genuine, WEBHOOK_ID)).toMatchObject({
      verified: true,
      transmission: { transmissionId: "69cd13f0-d67a-11e5-baa3-778b53f4ae55", certUrl: TEST_CERT_URL },
    });
    expect(await s.verifier.verify(s.deliver({ transmissionId: "other-1" }), WEBHOOK_ID)).toMatchObject({
      verified: true,
    });
    expect(s.fetch.calls).toEqual([TEST_CERT_URL]);
  });

  it("refuses a tampered body, another webhook id, a swapped transmission id or time", async () => {
    const s = setup();
    const genuine = s.deliver();
    const refused = { verified: false, reason: expect.stringContaining("does not match") };
    expect(await s.verifier.verify({ ...genuine, body: body.replace("10.00", "100.00") }, WEBHOOK_ID)).toMatchObject(
      refused,
    );
    expect(await s.verifier.verify(genuine, "OTHERWEBHOOK1")).toMatchObject(refused);
    const headers = { ...genuine.headers, "paypal-transmission-id": "69cd13f0-0000" };
    expect(await s.verifier.verify({ headers, body }, WEBHOOK_ID)).toMatchObject(refused);
    const later = { ...genuine.headers, "paypal-transmission-time": "2026-03-01T12:00:01Z" };
    expect(await s.verifier.verify({ headers: later, body }, WEBHOOK_ID)).toMatchObject(refused);
  });

  it("refuses deliveries with missing headers or another algorithm", async () => {
    const s = setup();
    expect(await s.verifier.verify({ headers: {}, body }, WEBHOOK_ID)).toMatchObject({ verified: false });
    const genuine = s.deliver();
    const { "paypal-transmission-sig": _, ...unsigned } = genuine.headers;
    expect(await s.verifier.verify({ headers: unsigned, body }, WEBHOOK_ID)).toMatchObject({ verified: false });
    const sha1 = { ...genuine.headers, "paypal-auth-algo": "SHA1withRSA" };
    expect(await s.verifier.verify({ headers: sha1, body }, WEBHOOK_ID)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("auth-algo"),
    });
  });

  it("fetches certificates only over https from PayPal's hosts", async () => {
    expect(isPayPalCertUrl(TEST_CERT_URL)).toBe(true);
    expect(isPayPalCertUrl("https://api.paypal.com/v1/notifications/certs/CERT-1")).toBe(true);
    expect(isPayPalCertUrl("https://www.paypalobjects.com/certs/x.pem")).toBe(true);
    for (const url of [
      "http://api.paypal.com/v1/notifications/certs/CERT-1",
      "https://api.paypal.com.evil.example/cert",
      "https://evilpaypal.com/cert",
      "https://paypal.com@evil.example/cert",
      "https://api.paypal.com:8443/cert",
      "https://127.0.0.1/cert",
      "not a url",
    ])
      expect(isPayPalCertUrl(url), url).toBe(false);
    const evil = "https://evil.example/cert.pem";
    const s = setup({ [evil]: PAYPAL_TEST_PKI.chain });
    expect(await s.verifier.verify(s.deliver({ certUrl: evil }), WEBHOOK_ID)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("not a PayPal"),
    });
    expect(s.fetch.calls).toEqual([]);
  });

  it("refuses a certificate with PayPal's name that does not chain to a trusted root", async () => {
    const forged = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-forged";
    const s = setup({ [forged]: PAYPAL_TEST_PKI.forgerChain });
    const delivery = s.deliver({ certUrl: forged, key: PAYPAL_TEST_PKI.forgerKey });
    expect(await s.verifier.verify(delivery, WEBHOOK_ID)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("trusted root"),
    });
  });

  it("refuses a trusted chain that is not PayPal's signing certificate", async () => {
    const other = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-other";
    const s = setup({ [other]: PAYPAL_TEST_PKI.otherNameChain });
    const delivery = s.deliver({ certUrl: other, key: PAYPAL_TEST_PKI.otherNameKey });
    expect(await s.verifier.verify(delivery, WEBHOOK_ID)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("not PayPal's signing certificate"),
    });
  });

  it("refuses a genuine delivery signed with a key other than the certificate's", async () => {
    const s = setup();
    expect(await s.verifier.verify(s.deliver({ key: PAYPAL_TEST_PKI.forgerKey }), WEBHOOK_ID)).toMatchObject({
      verified: false,
    });
  });

  it("refuses an unreachable certificate and a 404", async () => {
    const s = setup({});
    expect(await s.verifier.verify(s.deliver(), WEBHOOK_ID)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("404"),
    });
  });

  it("refuses a replay older than PayPal's redelivery window and one from the future", async () => {
    const s = setup();
    const genuine = s.deliver();
    s.clock.advance(3 * 86_400_000);
    expect(await s.verifier.verify(genuine, WEBHOOK_ID)).toMatchObject({ verified: true });
    s.clock.advance(2 * 3_600_000);
    expect(await s.verifier.verify(genuine, WEBHOOK_ID)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("tolerance"),
    });
    const ahead = s.deliver({ transmissionTime: "2026-03-10T00:00:00Z" });
    expect(await s.verifier.verify(ahead, WEBHOOK_ID)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("future"),
    });
  });

  it("trusts Node's bundled roots by default, so the test root is refused there", async () => {
    const s = setup();
    const verifier = createPayPalSignatureVerifier({ fetch: s.fetch, clock: s.clock });
    expect(await verifier.verify(s.deliver(), WEBHOOK_ID)).toMatchObject({
      verified: false,
      reason: expect.stringContaining("trusted root"),
    });
  });
});
