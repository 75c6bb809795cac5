import { randomUUID } from "node:crypto";
import { NotificationTypeV2 } from "@apple/app-store-server-library";
import { exportPKCS8, exportSPKI, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog } from "../../../../test/billing-setup.js";
import { testChannel } from "../../../../test/channel-contract.js";
import type { Json } from "../../../../test/harness.js";
import {
  client,
  createTestApp,
  createTestTenant,
  type TestContext,
  type TestTenant,
} from "../../../../test/harness.js";
import type { ChannelSettings, InboundRequest } from "../port.js";
import { appStoreChannel } from "./adapter.js";
import { type FakeAppStoreApi, startFakeAppStoreApi } from "./fake-app-store-api.js";
import { APP_STORE_MAPPING, APP_STORE_NO_EFFECT } from "./mapping.js";
import { AppStoreSimulator, type SimulatedSubscription } from "./simulator.js";
import { createSigningChain, signAppStore } from "./test-ca.js";

const APP = { bundleId: "com.example.reader", environment: "Sandbox" };
const sim = new AppStoreSimulator(APP);
const adapter = appStoreChannel();
const settings: ChannelSettings = {
  config: { bundle_id: APP.bundleId, environment: "Sandbox" },
  credentials: { root_certificates: sim.chain.rootPem },
};
const day = 86_400_000;
const T0 = Date.parse("2026-01-02T00:00:00.000Z");
const subscription = (id: string, extra: Partial<SimulatedSubscription> = {}): SimulatedSubscription => ({
  originalTransactionId: id,
  productId: "com.example.reader.gold",
  purchaseDate: T0,
  expiresDate: T0 + 30 * day,
  ...extra,
});
const asRequest = (body: string): InboundRequest => ({ headers: { "content-type": "application/json" }, body });

const sample = await sim.notification({
  notificationType: "SUBSCRIBED",
  subtype: "INITIAL_BUY",
  signedDate: T0,
  subscription: subscription("2000000000000101"),
});

/** The JWS of a pushed body with one of its three parts replaced. */
function withPart(request: InboundRequest, index: 1 | 2, value: string): InboundRequest {
  const parts = (JSON.parse(request.body) as { signedPayload: string }).signedPayload.split(".");
  parts[index] = value;
  return asRequest(JSON.stringify({ signedPayload: parts.join(".") }));
}

testChannel("app_store", () => ({
  adapter,
  settings,
  sample: () => ({ request: asRequest(sample.body), vendorEventIds: [sample.notificationUUID] }),
  tampered: (request) => {
    const payload = JSON.parse(
      Buffer.from(JSON.parse(request.body).signedPayload.split(".")[1], "base64url").toString(),
    );
    return withPart(
      request,
      1,
      Buffer.from(JSON.stringify({ ...payload, notificationType: "REFUND" })).toString("base64url"),
    );
  },
  unsigned: (request) => withPart(request, 2, ""),
}));

describe("App Store mapping", () => {
  it("has a row or a documented no-effect entry for every notification type Apple lists", () => {
    const known = [...Object.keys(APP_STORE_MAPPING), ...Object.keys(APP_STORE_NO_EFFECT)].map((k) => k.split("/")[0]);
    for (const type of Object.values(NotificationTypeV2)) expect(known, type).toContain(type);
  });

  for (const [key, why] of Object.entries(APP_STORE_NO_EFFECT)) {
    it(`changes nothing on ${key} (${why})`, () => {
      const [vendorType, vendorSubtype] = key.split("/") as [string, string | undefined];
      expect(adapter.map({ vendorType, vendorSubtype: vendorSubtype ?? null })).toEqual({ event: null });
    });
  }

  it("reads the notification: ids, Apple's time, product, customer hint and period", async () => {
    const result = await adapter.verify(asRequest(sample.body), settings);
    expect(result).toMatchObject({
      verified: true,
      notifications: [
        {
          vendorEventId: sample.notificationUUID,
          vendorSubscriptionId: "2000000000000101",
          occurredAt: "2026-01-02T00:00:00.000Z",
          vendorType: "SUBSCRIBED",
          vendorSubtype: "INITIAL_BUY",
          productId: "com.example.reader.gold",
          period: { start: "2026-01-02T00:00:00.000Z", end: "2026-02-01T00:00:00.000Z" },
        },
      ],
    });
  });
});

describe("App Store verification refuses, with a clear code", () => {
  const refused = async (body: string, s: ChannelSettings = settings) => adapter.verify(asRequest(body), s);
  const note = { notificationType: "DID_RENEW", signedDate: T0, subscription: subscription("2000000000000102") };

  it("a chain to a root the storefront does not trust (and Apple's root by default)", async () => {
    const stranger = new AppStoreSimulator(APP);
    const { body } = await stranger.notification(note);
    expect(await refused(body)).toMatchObject({ verified: false, code: "BAD_SIGNATURE" });
    expect(await refused(body, { ...settings, credentials: {} })).toMatchObject({ code: "BAD_SIGNATURE" });
  });

  it("a trusted chain without Apple's intermediate and leaf markers", async () => {
    const unmarked = createSigningChain({ markers: false });
    const { body } = await new AppStoreSimulator(APP, unmarked).notification(note);
    const trusting = { ...settings, credentials: { root_certificates: unmarked.rootPem } };
    expect(await refused(body, trusting)).toMatchObject({ code: "BAD_SIGNATURE" });
  });

  it("certificates outside their validity at Apple's signing time", async () => {
    const old = createSigningChain({ validity: ["20100101000000Z", "20150101000000Z"] });
    const { body } = await new AppStoreSimulator(APP, old).notification(note);
    expect(await refused(body, { ...settings, credentials: { root_certificates: old.rootPem } })).toMatchObject({
      code: "BAD_CHAIN",
    });
  });

  it("another app's bundle id, another environment, another app Apple id", async () => {
    const other = new AppStoreSimulator({ ...APP, bundleId: "com.example.other" }, sim.chain);
    expect(await refused((await other.notification(note)).body)).toMatchObject({ code: "WRONG_APP" });
    const production = new AppStoreSimulator({ ...APP, environment: "Production", appAppleId: 42 }, sim.chain);
    expect(await refused((await production.notification(note)).body)).toMatchObject({ code: "WRONG_ENVIRONMENT" });
    const prodSettings = {
      config: { bundle_id: APP.bundleId, environment: "Production", app_apple_id: 41 },
      credentials: settings.credentials,
    };
    expect(await refused((await production.notification(note)).body, prodSettings)).toMatchObject({
      code: "WRONG_APP",
    });
  });

  it("a transaction signed by someone else inside a genuine payload", async () => {
    const stranger = new AppStoreSimulator(APP);
    const forgedInfo = await stranger.signedInfo(subscription("2000000000000103"), T0);
    const payload = {
      notificationType: "DID_RENEW",
      notificationUUID: randomUUID(),
      signedDate: T0,
      version: "2.0",
      data: { bundleId: APP.bundleId, environment: "Sandbox", ...forgedInfo },
    };
    const body = JSON.stringify({ signedPayload: await signAppStore(sim.chain, payload) });
    expect(await refused(body)).toMatchObject({ code: "BAD_SIGNATURE" });
  });

  it("a body that is not a notification", async () => {
    expect(await refused("not json")).toMatchObject({ code: "MALFORMED" });
    expect(await refused(JSON.stringify({ signedPayload: 1 }))).toMatchObject({ code: "MALFORMED" });
  });

  it("settings that accept unsigned Xcode data or a local root in production", () => {
    const xcode = { config: { bundle_id: "x", environment: "Xcode" }, credentials: {} };
    expect(adapter.checkSettings!(xcode, { production: true })).toEqual([
      { path: "config.environment", message: expect.stringContaining("never accepted in production") },
    ]);
    expect(adapter.checkSettings!(xcode, { production: false })).toEqual([]);
    expect(adapter.checkSettings!(settings, { production: true })[0]?.path).toBe("credentials.root_certificates");
    expect(
      adapter.checkSettings!(
        { config: { bundle_id: "x", environment: "Production" }, credentials: {} },
        {
          production: true,
        },
      )[0]?.path,
    ).toBe("config.app_apple_id");
  });
});

describe("App Store through the API: notifications to entitlements, refetch from the Server API", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let api: FakeAppStoreApi;
  let customer: { id: string; external_id: string };
  const drain = () => ctx.services.worker.drain({ environmentId: acme.scopes.development!.environmentId });
  const push = (body: string) =>
    client(ctx, undefined, undefined)("POST", `/v1/channels/app-store/${cat.storefront}/notifications`, body, {
      "content-type": "application/json",
    });
  const sub = subscription("2000000000000201");
  let signed = T0;
  const send = async (notificationType: string, subtype?: string, s: SimulatedSubscription = sub) => {
    signed += day;
    const n = await sim.notification({ notificationType, subtype, signedDate: signed, subscription: s });
    const res = await push(n.body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await drain();
    return n;
  };
  const current = async () =>
    (await acme.api("GET", `/v1/subscriptions?customer=${customer.id}`)).body.data[0] as Record<string, Json>;
  const entitled = async () =>
    (await acme.api("GET", `/v1/customers/${customer.id}/entitlements`)).body.subscriptions.length > 0;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    const keys = await generateKeyPair("ES256", { extractable: true });
    api = await startFakeAppStoreApi(sim, {
      keyId: "KEY123",
      issuerId: "issuer-1",
      publicKeyPem: await exportSPKI(keys.publicKey),
    });
    const put = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store`, {
      config: {
        bundle_id: APP.bundleId,
        environment: "Sandbox",
        issuer_id: "issuer-1",
        key_id: "KEY123",
        api_base_url: api.url,
      },
      credentials: { root_certificates: sim.chain.rootPem, private_key: await exportPKCS8(keys.privateKey) },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store/products/${sub.productId}`, {
      price: cat.prices.monthly,
    });
    const external = randomUUID();
    const made = await acme.api("POST", "/v1/customers", { storefront: cat.storefront, external_id: external });
    customer = { id: made.body.id, external_id: external };
    sub.appAccountToken = external;
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.close();
  });

  it("subscribes, dedupes a replay, and links the customer by appAccountToken", async () => {
    const first = await send("SUBSCRIBED", "INITIAL_BUY");
    const replay = await push(
      (
        await sim.notification({
          notificationType: "SUBSCRIBED",
          subtype: "INITIAL_BUY",
          notificationUUID: first.notificationUUID,
          signedDate: signed,
          subscription: sub,
        })
      ).body,
    );
    expect(replay.body).toEqual({ received: 0, duplicates: 1 });
    const s = await current();
    expect(s).toMatchObject({
      channel: "app_store",
      status: "active",
      current_period_start: "2026-01-02T00:00:00.000Z",
      current_period_end: "2026-02-01T00:00:00.000Z",
    });
    expect((await acme.api("GET", `/v1/subscriptions/${s.id}`)).body.vendor).toEqual({
      channel: "app_store",
      vendor_subscription_id: "2000000000000201",
      vendor_customer_id: null,
    });
    expect(await entitled()).toBe(true);
  });

  it("follows grace, renewal, auto-renew off, and a refund that ends access at once", async () => {
    await send("DID_FAIL_TO_RENEW", "GRACE_PERIOD");
    expect((await current()).status).toBe("grace");
    expect(await entitled()).toBe(true);
    await send("DID_RENEW", undefined, { ...sub, purchaseDate: T0 + 30 * day, expiresDate: T0 + 60 * day });
    expect(await current()).toMatchObject({ status: "active", current_period_end: "2026-03-03T00:00:00.000Z" });
    await send("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED");
    expect((await current()).cancel_at_period_end).toBe(true);
    await send("REFUND");
    expect((await current()).status).toBe("cancelled");
    expect(await entitled()).toBe(false);
  });

  it("asks the App Store Server API when a refund is reversed, with a JWT Apple would accept", async () => {
    api.set({ ...sub, purchaseDate: T0 + 30 * day, expiresDate: T0 + 60 * day }, 1, T0 + 40 * day);
    await send("REFUND_REVERSED");
    expect(api.requests.at(-1)).toEqual({ path: "/inApps/v1/subscriptions/2000000000000201", authorized: true });
    const s = await current();
    expect(s.status).toBe("active");
    expect(await entitled()).toBe(true);
    const inbox = (await acme.api("GET", `/v1/subscriptions/${s.id}/notifications`)).body.data;
    expect(inbox.at(-1)).toMatchObject({
      vendor_type: "REFUND_REVERSED",
      status: "applied",
      event: "external_renewed",
    });

    // A repair on request: Apple now says billing retry.
    api.set({ ...sub, purchaseDate: T0 + 30 * day, expiresDate: T0 + 60 * day }, 3, T0 + 70 * day);
    const repaired = await acme.api("POST", `/v1/subscriptions/${s.id}/refetch`);
    expect(repaired.body).toMatchObject({ vendor_type: "REFETCH", status: "applied", event: "external_on_hold" });
    expect((await current()).status).toBe("suspended");
    expect(await entitled()).toBe(false);
  });

  it("keeps a purchase of an unknown product by an unknown customer, and applies it once both are known", async () => {
    const later = randomUUID();
    const parked: SimulatedSubscription = {
      ...subscription("2000000000000202"),
      productId: "com.example.reader.platinum",
      appAccountToken: later,
    };
    await send("SUBSCRIBED", "INITIAL_BUY", parked);
    const kept = async () =>
      (
        await ctx.deps.db
          .selectFrom("channel_notifications")
          .select("status")
          .where("vendor_subscription_id", "=", "2000000000000202")
          .execute()
      ).map((n) => n.status);
    expect(await kept()).toEqual(["parked"]);
    // The customer the app named is made now: retried, still parked for the product.
    const made = await acme.api("POST", "/v1/customers", { storefront: cat.storefront, external_id: later });
    await drain();
    expect(await kept()).toEqual(["parked"]);
    const mapped = await acme.api(
      "PUT",
      `/v1/storefronts/${cat.storefront}/channels/app_store/products/com.example.reader.platinum`,
      { price: cat.prices.yearly },
    );
    expect(mapped.status).toBe(200);
    await drain();
    expect(await kept()).toEqual(["applied"]);
    const subs = (await acme.api("GET", `/v1/subscriptions?customer=${made.body.id}`)).body.data;
    expect(subs).toMatchObject([{ channel: "app_store", status: "active", price: cat.prices.yearly }]);
  });

  it("links a transaction id that passes Luhn by chance; a card number in that field or another is still refused", async () => {
    const links = `/v1/storefronts/${cat.storefront}/channels/app_store/links`;
    // 2000000000000303 is a Sandbox originalTransactionId that passes the Luhn check.
    const linked = await acme.api("POST", links, { vendor_subscription_id: "2000000000000303", customer: customer.id });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    expect(linked.body).toMatchObject({ vendor_subscription_id: "2000000000000303" });
    for (const body of [
      { vendor_subscription_id: "4242424242424242", customer: customer.id },
      { vendor_subscription_id: "4242 4242 4242 4242", customer: customer.id },
      { vendor_subscription_id: "2000000000000303", customer: "4242424242424242" },
    ]) {
      const refused = await acme.api("POST", links, body);
      expect(refused.body.code, JSON.stringify(body)).toBe("PAYMENT_DATA_FORBIDDEN");
    }
    // Declared for the App Store's numeric ids only: the same number on another channel's link is refused.
    const play = await acme.api("POST", `/v1/storefronts/${cat.storefront}/channels/play_store/links`, {
      vendor_subscription_id: "2000000000000303",
      customer: customer.id,
    });
    expect(play.body.code).toBe("PAYMENT_DATA_FORBIDDEN");
  });

  it("answers a refused push 401 with the reason, and keeps a TEST notification as ignored", async () => {
    const other = new AppStoreSimulator({ ...APP, bundleId: "com.example.other" }, sim.chain);
    const wrong = await push((await other.notification({ notificationType: "TEST", signedDate: T0 })).body);
    expect([wrong.status, wrong.body.code]).toEqual([401, "CHANNEL_NOTIFICATION_REFUSED"]);
    expect(wrong.body.detail).toMatch(/^WRONG_APP/);
    const test = await push((await sim.notification({ notificationType: "TEST", signedDate: T0 })).body);
    expect(test.body).toEqual({ received: 1, duplicates: 0 });
  });
});
