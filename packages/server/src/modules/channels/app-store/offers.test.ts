import { randomUUID } from "node:crypto";
import { exportPKCS8, exportSPKI, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog } from "../../../../test/billing-setup.js";
import {
  client,
  createTestApp,
  createTestTenant,
  type Json,
  type TestContext,
  type TestTenant,
} from "../../../../test/harness.js";
import { simulateAppStore } from "../simulate.js";
import { appStoreChannel } from "./adapter.js";
import { type FakeAppStoreApi, startFakeAppStoreApi } from "./fake-app-store-api.js";
import { AppStoreSimulator, type SimulatedSubscription } from "./simulator.js";

/*
 * Free trials and introductory offers (Apple's JWSTransactionDecodedPayload offerType and
 * offerDiscountType): a subscription that starts in a free trial is `trial` until the first paid
 * renewal; an introductory price paid as you go or up front is a paid period, `active`.
 */

const APP = { bundleId: "com.example.offers", environment: "Sandbox" };
const sim = new AppStoreSimulator(APP);
const adapter = appStoreChannel();
const settings = {
  config: { bundle_id: APP.bundleId, environment: "Sandbox" },
  credentials: { root_certificates: sim.chain.rootPem },
};
const day = 86_400_000;
const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const PRODUCT = "com.example.offers.gold";
const FREE_TRIAL = { type: 1, discount: "FREE_TRIAL" } as const;

describe("App Store offer rows", () => {
  it.each([
    ["SUBSCRIBED", "INITIAL_BUY/FREE_TRIAL", { event: "external_renewed", trial: true, cancelAtPeriodEnd: false }],
    ["SUBSCRIBED", "RESUBSCRIBE/FREE_TRIAL", { event: "resubscribed", trial: true, cancelAtPeriodEnd: false }],
    ["OFFER_REDEEMED", "INITIAL_BUY/FREE_TRIAL", { event: "external_renewed", trial: true, cancelAtPeriodEnd: false }],
    ["OFFER_REDEEMED", "RESUBSCRIBE/FREE_TRIAL", { event: "resubscribed", trial: true, cancelAtPeriodEnd: false }],
    ["SUBSCRIBED", "INITIAL_BUY", { event: "external_renewed", cancelAtPeriodEnd: false }],
    ["DID_RENEW", null, { event: "external_renewed" }],
  ])("%s/%s", (vendorType, vendorSubtype, effect) => {
    expect(adapter.map({ vendorType, vendorSubtype })).toEqual(effect);
  });

  it("qualifies the subtype only for a free trial that starts a subscription", async () => {
    const subtypeOf = async (notificationType: string, subtype: string | undefined, sub: SimulatedSubscription) => {
      const n = await sim.notification({ notificationType, subtype, signedDate: T0, subscription: sub });
      const v = await adapter.verify({ headers: {}, body: n.body }, settings);
      return v.verified ? v.notifications[0]!.vendorSubtype : v.code;
    };
    const sub = (offer?: SimulatedSubscription["offer"]): SimulatedSubscription => ({
      originalTransactionId: "4000000000000001",
      productId: PRODUCT,
      purchaseDate: T0,
      expiresDate: T0 + 7 * day,
      offer,
    });
    expect(await subtypeOf("SUBSCRIBED", "INITIAL_BUY", sub(FREE_TRIAL))).toBe("INITIAL_BUY/FREE_TRIAL");
    expect(await subtypeOf("OFFER_REDEEMED", "RESUBSCRIBE", sub({ type: 3, discount: "FREE_TRIAL" }))).toBe(
      "RESUBSCRIBE/FREE_TRIAL",
    );
    expect(await subtypeOf("SUBSCRIBED", "INITIAL_BUY", sub({ type: 1, discount: "PAY_AS_YOU_GO" }))).toBe(
      "INITIAL_BUY",
    );
    expect(await subtypeOf("SUBSCRIBED", "INITIAL_BUY", sub({ type: 1, discount: "PAY_UP_FRONT" }))).toBe(
      "INITIAL_BUY",
    );
    // Other types keep Apple's subtype as it is.
    expect(await subtypeOf("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", sub(FREE_TRIAL))).toBe(
      "AUTO_RENEW_DISABLED",
    );
  });
});

describe("App Store offers through the API", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let api: FakeAppStoreApi;
  let signed = T0;
  const drain = () => ctx.services.worker.drain({ environmentId: acme.scopes.development!.environmentId });
  const push = async (notificationType: string, subtype: string | undefined, sub: SimulatedSubscription) => {
    signed += day;
    const n = await sim.notification({ notificationType, subtype, signedDate: signed, subscription: sub });
    const res = await client(ctx, undefined, undefined)(
      "POST",
      `/v1/channels/app-store/${cat.storefront}/notifications`,
      n.body,
      { "content-type": "application/json" },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await drain();
  };
  const customer = async () => {
    const external = randomUUID();
    const made = await acme.api("POST", "/v1/customers", { storefront: cat.storefront, external_id: external });
    return { id: made.body.id as string, external };
  };
  const subscriptionOf = async (customerId: string) =>
    (await acme.api("GET", `/v1/subscriptions?customer=${customerId}`)).body.data as Array<Record<string, Json>>;
  let n = 0;
  const purchase = (appAccountToken: string, offer?: SimulatedSubscription["offer"]): SimulatedSubscription => ({
    originalTransactionId: `40000000000001${String(++n).padStart(2, "0")}`,
    productId: PRODUCT,
    appAccountToken,
    purchaseDate: T0,
    expiresDate: T0 + 7 * day,
    offer,
  });

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    const keys = await generateKeyPair("ES256", { extractable: true });
    api = await startFakeAppStoreApi(sim, {
      keyId: "KEY9",
      issuerId: "issuer-9",
      publicKeyPem: await exportSPKI(keys.publicKey),
    });
    const put = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store`, {
      config: { ...settings.config, issuer_id: "issuer-9", key_id: "KEY9", api_base_url: api.url },
      credentials: { ...settings.credentials, private_key: await exportPKCS8(keys.privateKey) },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store/products/${PRODUCT}`, {
      price: cat.prices.monthly,
    });
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.close();
  });

  it("a free trial starts in trial, and the first paid renewal makes it active", async () => {
    const c = await customer();
    const sub = purchase(c.external, FREE_TRIAL);
    await push("SUBSCRIBED", "INITIAL_BUY", sub);
    const [trial] = await subscriptionOf(c.id);
    expect(trial).toMatchObject({
      channel: "app_store",
      status: "trial",
      current_period_end: "2026-03-08T00:00:00.000Z",
    });
    const entitled = await acme.api("GET", `/v1/customers/${c.id}/entitlements`);
    expect(entitled.body.subscriptions).toHaveLength(1);

    await push("DID_RENEW", undefined, {
      ...sub,
      offer: undefined,
      purchaseDate: T0 + 7 * day,
      expiresDate: T0 + 37 * day,
    });
    const [paid] = await subscriptionOf(c.id);
    expect(paid).toMatchObject({ id: trial!.id, status: "active", current_period_end: "2026-04-07T00:00:00.000Z" });
  });

  it("an offer code's free trial starts in trial too", async () => {
    const c = await customer();
    await push("OFFER_REDEEMED", "INITIAL_BUY", purchase(c.external, { type: 3, discount: "FREE_TRIAL" }));
    expect((await subscriptionOf(c.id))[0]?.status).toBe("trial");
  });

  it.each(["PAY_AS_YOU_GO", "PAY_UP_FRONT"] as const)("an introductory %s price is paid: active", async (discount) => {
    const c = await customer();
    await push("SUBSCRIBED", "INITIAL_BUY", purchase(c.external, { type: 1, discount }));
    expect((await subscriptionOf(c.id))[0]?.status).toBe("active");
  });

  it("a repair that finds the purchase in its free trial creates it in trial", async () => {
    const c = await customer();
    const sub = purchase(c.external, FREE_TRIAL);
    // Apple's INITIAL_BUY never arrived; a later notice without status is all we got, then a refetch.
    await acme.api("POST", `/v1/storefronts/${cat.storefront}/channels/app_store/links`, {
      vendor_subscription_id: sub.originalTransactionId,
      customer: c.id,
    });
    api.set(sub, 1, T0 + 2 * day);
    await push("REFUND_REVERSED", undefined, sub);
    expect((await subscriptionOf(c.id))[0]?.status).toBe("trial");
  });

  // Last: the simulator makes the storefront trust its own signing chain instead of this file's.
  it("the simulator's subscribe-trial starts a subscription in trial", async () => {
    const c = await customer();
    const scope = acme.scopes.development!;
    const result = await simulateAppStore(ctx.services, scope, "subscribe-trial", {
      storefront: cat.storefront,
      subscription: "4000000000000199",
      product: PRODUCT,
      customer: c.external,
    });
    expect(result).toMatchObject({ delivered: "in-process" });
    expect((await subscriptionOf(c.id))[0]).toMatchObject({ status: "trial" });
  });
});
