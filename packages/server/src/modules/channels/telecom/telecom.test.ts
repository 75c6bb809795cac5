import { createPublicKey, X509Certificate } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { testChannel } from "../../../../test/channel-contract.js";
import { ManualClock } from "../../../lib/clock.js";
import { createSigningChain } from "../app-store/test-ca.js";
import type { ChannelSettings } from "../port.js";
import { telecomChannel } from "./adapter.js";
import { decimalAmount, parseReference, reference } from "./api.js";
import { type FakeAggregator, startFakeAggregator, subscriptionCallback } from "./fake-aggregator.js";
import { TELECOM_MAPPING } from "./mapping.js";
import { hashMsisdn, maskMsisdn, normalizeMsisdn } from "./msisdn.js";

const T0 = new Date("2026-03-01T10:00:00.000Z");
const clock = new ManualClock(T0);
const fake: FakeAggregator = await startFakeAggregator({ clock });
const adapter = telecomChannel({ fetch, clock });
const merchantPublicKey = String(createPublicKey(fake.merchantPrivateKey).export({ type: "spki", format: "pem" }));
const settings: ChannelSettings = {
  config: { aggregator: "fortumo", api_base_url: fake.url, merchant_id: fake.merchantId },
  credentials: {
    private_key: fake.merchantPrivateKey,
    aggregator_public_key: fake.aggregatorPublicKey,
    msisdn_hash_key: "k".repeat(32),
  },
};
afterAll(() => fake.close());

const ref = reference("premium-monthly", "cus_01TELECOM");
const callback = (status: string, billing?: string, at = T0) =>
  subscriptionCallback({ reference: ref, status, ...(billing && { billing }), at, merchantId: fake.merchantId });

// Signed ahead (jose signs asynchronously; the contract's sample is synchronous).
const sampleRequest = await fake.signedCallback(callback("active", "charged"));
const sampleId = await adapter
  .verify(sampleRequest, settings)
  .then((v) => (v.verified ? v.notifications[0]!.vendorEventId : ""));

testChannel("telecom", () => ({
  adapter,
  settings,
  sample: () => ({ request: sampleRequest, vendorEventIds: [sampleId] }),
  // The merchant's own public key instead of the aggregator's: the callback does not verify under it.
  wronglyKeyed: {
    ...settings,
    credentials: { ...settings.credentials, aggregator_public_key: merchantPublicKey },
  },
  tampered: (r) => ({ ...r, body: r.body.replace('"active"', '"cancelled"') }),
}));

describe("telecom: refusal codes", () => {
  it("names why a callback is refused: altered, unsigned, not configured", async () => {
    const request = await fake.signedCallback(callback("active", "charged"));
    const altered = { ...request, body: request.body.replace('"active"', '"cancelled"') };
    expect(await adapter.verify(altered, settings)).toMatchObject({ verified: false, code: "BODY_MISMATCH" });
    expect(await adapter.verify({ headers: {}, body: request.body }, settings)).toMatchObject({
      verified: false,
      code: "MISSING_SIGNATURE",
    });
    expect(await adapter.verify(request, { config: settings.config, credentials: {} })).toMatchObject({
      verified: false,
      code: "NOT_CONFIGURED",
    });
  });
});

describe("telecom: every state the aggregator reports", () => {
  const rows: Array<[key: string, status: string, billing?: string]> = [
    ["active/free", "active", "free"],
    ["active/charged", "active", "charged"],
    ["active/partially_charged", "active", "partially_charged"],
    ["active/failed", "active", "failed"],
    ["active/insufficient_funds", "active", "insufficient_funds"],
    ["suspended", "suspended", "failed"],
    ["cancelled", "cancelled", "charged"],
    ["removed", "removed"],
    ["expired", "expired"],
  ];
  for (const [key, status, billing] of rows) {
    it(`${key} → ${TELECOM_MAPPING[key]!.event}`, async () => {
      const result = await adapter.verify(await fake.signedCallback(callback(status, billing)), settings);
      if (!result.verified) throw new Error(result.reason);
      const n = result.notifications[0]!;
      expect(n).toMatchObject({
        vendorSubscriptionId: ref,
        occurredAt: T0.toISOString(),
        productId: "premium-monthly",
        customerHint: "cus_01TELECOM",
      });
      expect(adapter.map(n)).toEqual(TELECOM_MAPPING[key]);
    });
  }

  it("SMS STOP and customer care cancel the same way (the action is kept in the raw callback)", async () => {
    for (const action of ["sms_stop", "customer_care"]) {
      const body = subscriptionCallback({
        reference: ref,
        status: "cancelled",
        at: T0,
        merchantId: fake.merchantId,
        action,
      });
      const r = await adapter.verify(await fake.signedCallback(body), settings);
      if (!r.verified) throw new Error(r.reason);
      expect(adapter.map(r.notifications[0]!)).toEqual({ event: "external_cancelled" });
      expect(r.notifications[0]!.raw).toMatchObject({ action });
    }
  });

  it("authorisation/invalidated (operator or customer blocked new charges) → revoked", async () => {
    const body = {
      charging_token: "3ee1b907-d7f7-4839-be2a-720cb84b0a61:785e927f",
      authorisation_state: "invalidated",
      merchant: fake.merchantId,
      operation_reference: ref,
      consumer_identity: "1b496eca-e657-3ce6-a003-9e49844cc31a",
      channel: { code: "sandbox-ee", country: "EE" },
      error: {},
      timestamp: T0.toISOString(),
    };
    const r = await adapter.verify(await fake.signedCallback(body), settings);
    if (!r.verified) throw new Error(r.reason);
    expect(r.notifications[0]).toMatchObject({ vendorType: "authorisation", vendorSubtype: "invalidated" });
    expect(adapter.map(r.notifications[0]!)).toEqual({ event: "revoked" });
  });

  it("states the service period and keeps the same id for a redelivery of the same state", async () => {
    const body = subscriptionCallback({
      reference: ref,
      status: "active",
      billing: "charged",
      at: T0,
      merchantId: fake.merchantId,
      period: { start: T0, end: new Date("2026-03-08T10:00:00Z") },
    });
    const a = await adapter.verify(await fake.signedCallback(body), settings);
    clock.advance(1000);
    const b = await adapter.verify(await fake.signedCallback(body), settings);
    clock.set(T0);
    if (!a.verified || !b.verified) throw new Error("refused");
    expect(a.notifications[0]!.period).toEqual({ start: T0.toISOString(), end: "2026-03-08T10:00:00.000Z" });
    expect(b.notifications[0]!.vendorEventId).toBe(a.notifications[0]!.vendorEventId);
  });
});

describe("telecom: callback refusals", () => {
  it("refuses a callback signed by another key", async () => {
    const r = await fake.signedByStranger(callback("active", "charged"));
    expect(await adapter.verify(r, settings)).toMatchObject({ verified: false, code: "BAD_SIGNATURE" });
  });

  it("refuses a replay after the token's validity", async () => {
    const r = await fake.signedCallback(callback("active", "charged"), new Date(T0.getTime() - 30 * 60_000));
    expect(await adapter.verify(r, settings)).toMatchObject({ verified: false, code: "EXPIRED" });
  });

  it("refuses a token made for another merchant, and a body that is not a callback", async () => {
    const other = { ...settings, config: { ...settings.config, merchant_id: "another-merchant" } };
    expect(await adapter.verify(await fake.signedCallback(callback("active", "charged")), other)).toMatchObject({
      verified: false,
      code: "BAD_SIGNATURE",
    });
    expect(await adapter.verify(await fake.signedCallback({ hello: "world" }), settings)).toMatchObject({
      verified: false,
      code: "MALFORMED",
    });
  });
});

describe("telecom: callbacks authenticated by the aggregator's TLS client certificate, behind a proxy", () => {
  // A certificate standing in for Fortumo's (CN api.fortumo.io in production); the proxy verified it.
  const fortumo = createSigningChain().rootPem;
  const stranger = createSigningChain().rootPem;
  const sha256 = (pem: string) => new X509Certificate(pem).fingerprint256;
  const certSettings = (extra: Record<string, string> = {}): ChannelSettings => ({
    config: {
      ...settings.config,
      callback_auth: "client_certificate",
      client_cert_header: "X-Client-Cert",
      client_cert_sha256: sha256(fortumo),
      ...extra,
    },
    credentials: { private_key: fake.merchantPrivateKey },
  });
  const body = JSON.stringify(callback("active", "charged"));

  it("accepts the pinned certificate, passed as URL-encoded PEM or as its SHA-256, without a JWT", async () => {
    for (const value of [
      encodeURIComponent(fortumo),
      sha256(fortumo),
      sha256(fortumo).replace(/:/g, "").toLowerCase(),
    ]) {
      const result = await adapter.verify({ headers: { "x-client-cert": value }, body }, certSettings());
      expect(result, value.slice(0, 20)).toMatchObject({ verified: true, notifications: [{ vendorType: "active" }] });
    }
  });

  it("refuses no certificate, another certificate, garbage, and a proxy that did not verify the chain", async () => {
    const verify = (headers: Record<string, string>, s = certSettings()) => adapter.verify({ headers, body }, s);
    expect(await verify({})).toMatchObject({ verified: false, code: "UNSIGNED" });
    // A valid aggregator JWT is no substitute for the certificate in this mode.
    const signed = await fake.signedCallback(callback("active", "charged"));
    expect(await verify(signed.headers)).toMatchObject({ verified: false, code: "UNSIGNED" });
    expect(await verify({ "x-client-cert": encodeURIComponent(stranger) })).toMatchObject({ code: "BAD_SIGNATURE" });
    expect(await verify({ "x-client-cert": sha256(stranger) })).toMatchObject({ code: "BAD_SIGNATURE" });
    expect(await verify({ "x-client-cert": "not a certificate" })).toMatchObject({ code: "MALFORMED" });
    const checked = certSettings({ client_cert_verify_header: "X-Client-Verify" });
    const pinned = { "x-client-cert": sha256(fortumo) };
    expect(await verify({ ...pinned, "x-client-verify": "FAILED:unable to get issuer" }, checked)).toMatchObject({
      code: "UNSIGNED",
    });
    expect(await verify({ ...pinned, "x-client-verify": "SUCCESS" }, checked)).toMatchObject({ verified: true });
  });

  it("settings name the pinned fingerprints; the aggregator's JWT key is then not needed", () => {
    expect(adapter.checkSettings!(certSettings(), { production: false })).toEqual([]);
    expect(adapter.checkSettings!(certSettings({ client_cert_sha256: "" }), { production: false })).toEqual([
      { path: "config.client_cert_sha256", message: expect.stringContaining("SHA-256") },
    ]);
    expect(adapter.checkSettings!(certSettings({ client_cert_sha256: "abc" }), { production: false })[0]?.path).toBe(
      "config.client_cert_sha256",
    );
  });
});

describe("telecom: the aggregator's API, RS256 JWT-signed", () => {
  it("runs a PIN authorisation: the MSISDN goes to the aggregator, a wrong PIN keeps it pending, the right one verifies", async () => {
    const opRef = reference("premium-monthly", "cus_01PIN");
    const started = await adapter.api.startAuthorisation(settings, {
      flow: "pin",
      msisdn: "+372 5123 4567",
      country: "EE",
      channelCode: "sandbox-ee",
      operationReference: opRef,
      callbackUrl: "https://tessera.example/v1/channels/telecom/sf_1/callbacks",
    });
    expect(started.authorisation_state).toBe("pending");
    const token = started.charging_token!;
    const sent = fake.requests.find((r) => r.path === "/authorisations")!;
    expect(sent.authorized).toBe(true);
    expect(JSON.parse(sent.body)).toMatchObject({
      flow: { pin: { msisdn: "37251234567" } },
      merchant: fake.merchantId,
      operation_reference: opRef,
      channel_code: "sandbox-ee",
      country: "EE",
    });
    await adapter.api.confirmPin(settings, token, "0000");
    expect(fake.authorisations.get(token)!.state).toBe("pending");
    await adapter.api.confirmPin(settings, token, fake.authorisations.get(token)!.pin);
    expect(fake.authorisations.get(token)!.state).toBe("verified");
    await adapter.api.charge(settings, {
      chargingToken: token,
      amount: 499,
      currency: "EUR",
      itemDescription: "Premium access",
      operationReference: `${opRef}.1`,
      callbackUrl: "https://tessera.example/v1/channels/telecom/sf_1/callbacks",
    });
    const charge = fake.requests.find((r) => r.path === "/payments")!;
    expect(JSON.parse(charge.body)).toMatchObject({ amount: { value: 4.99, currency: "EUR" }, charging_token: token });
  });

  it("starts header enrichment (the URL the consumer's browser opens on mobile data)", async () => {
    const started = await adapter.api.startAuthorisation(settings, {
      flow: "he",
      country: "EE",
      channelCode: "sandbox-ee",
      operationReference: reference("premium-monthly", "cus_01HE"),
      callbackUrl: "https://tessera.example/cb",
    });
    expect(started.flow?.he?.url).toMatch(/\/he\?s=/);
  });

  it("refuses a PIN flow without a phone number before calling the aggregator", async () => {
    await expect(
      adapter.api.startAuthorisation(settings, {
        flow: "pin",
        msisdn: "12",
        country: "EE",
        channelCode: "sandbox-ee",
        operationReference: "x",
        callbackUrl: "https://tessera.example/cb",
      }),
    ).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("an aggregator that does not accept our key refuses us (401 → vendor refused)", async () => {
    const wrong = {
      ...settings,
      credentials: {
        ...settings.credentials,
        private_key: (await import("node:crypto"))
          .generateKeyPairSync("rsa", { modulusLength: 2048 })
          .privateKey.export({ type: "pkcs8", format: "pem" })
          .toString(),
      },
    };
    await expect(adapter.api.cancelSubscription(wrong, "fbc53c9a")).rejects.toMatchObject({
      code: "CHANNEL_VENDOR_REFUSED",
    });
  });

  it("cancels a subscription and refetches its state", async () => {
    const opRef = reference("premium-monthly", "cus_01CANCEL");
    fake.subscriptions.set(opRef, {
      uuid: "fbc53c9a-0040-4303-9b91-eb3d305be0d7",
      subscription_uuid: "fbc53c9a-0040-4303-9b91-eb3d305be0d7",
      operation_reference: opRef,
      subscription_status: "active",
      billing_status: "charged",
      timestamp: T0.toISOString(),
    });
    const link = { channel: "telecom" as const, vendorSubscriptionId: opRef, storefrontId: "sf_1" };
    expect(await adapter.refetch!(link, settings)).toMatchObject({
      event: "external_renewed",
      observedAt: T0.toISOString(),
    });
    await adapter.api.cancelSubscription(settings, "fbc53c9a-0040-4303-9b91-eb3d305be0d7");
    expect(await adapter.refetch!(link, settings)).toMatchObject({ event: "external_cancelled" });
  });
});

describe("telecom: MSISDNs and references", () => {
  it("hashes a number the same way whatever its spelling, and never contains it", () => {
    const a = hashMsisdn("+372 5123 4567", "key-1");
    expect(hashMsisdn("0037251234567", "key-1")).toBe(a);
    expect(hashMsisdn("37251234567", "key-2")).not.toBe(a);
    expect(a).not.toContain("51234567");
    expect(maskMsisdn("+37251234567")).toBe("+37*******67");
    expect(normalizeMsisdn("not a number")).toBeNull();
  });

  it("carries our product and customer in the operation reference, and amounts in decimals", () => {
    expect(parseReference(reference("plan.with.dots", "cus_1"))).toEqual({
      productId: "plan.with.dots",
      customerId: "cus_1",
    });
    expect(parseReference("someone-elses-ref")).toBeNull();
    expect(decimalAmount(499, "EUR")).toBe(4.99);
    expect(decimalAmount(500, "JPY")).toBe(500);
  });
});
