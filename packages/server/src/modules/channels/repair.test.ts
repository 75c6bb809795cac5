import { randomUUID } from "node:crypto";
import { exportPKCS8, exportSPKI, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog } from "../../../test/billing-setup.js";
import {
  client,
  createTestApp,
  createTestTenant,
  type Json,
  type TestContext,
  type TestTenant,
} from "../../../test/harness.js";
import { withSystemAccess } from "../../db/access.js";
import { type FakeAppStoreApi, startFakeAppStoreApi } from "./app-store/fake-app-store-api.js";
import { AppStoreSimulator, type SimulatedSubscription } from "./app-store/simulator.js";
import type { SubscriptionPurchaseV2 } from "./play-store/api.js";
import { type FakeGoogle, startFakeGoogle } from "./play-store/fake-google.js";
import { REPAIR_JOB } from "./repair.js";

/*
 * The repair sweep: a renewal the vendor never notified is found by the periodic sweep (the
 * period ended without a renewal notice) and repaired from the vendor's API, for the App Store
 * and Google Play, through the worker's jobs as in production.
 */

const APP = { bundleId: "com.example.repair", environment: "Sandbox" };
const PACKAGE = "com.example.repair";
const AUDIENCE = "https://tessera.test/play-repair";
const day = 86_400_000;
const hour = 3_600_000;

describe("the repair sweep repairs renewals nobody was told about", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let apple: FakeAppStoreApi;
  let google: FakeGoogle;
  const sim = new AppStoreSimulator(APP);
  let T0 = 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  const sweep = async () => {
    await withSystemAccess(() => ctx.services.channels.scheduleRepairSweep());
    await ctx.services.worker.drain();
  };
  const post = (path: string, body: string, headers: Record<string, string>) =>
    client(ctx, undefined, undefined)("POST", path, body, headers);
  const customer = async () => {
    const external = randomUUID();
    const id = (await acme.api("POST", "/v1/customers", { storefront: cat.storefront, external_id: external })).body
      .id as string;
    return { id, external };
  };
  const subscriptionOf = async (customerId: string) =>
    (await acme.api("GET", `/v1/subscriptions?customer=${customerId}`)).body.data[0] as Record<string, Json>;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    T0 = ctx.clock.now().getTime();
    const keys = await generateKeyPair("ES256", { extractable: true });
    apple = await startFakeAppStoreApi(sim, {
      keyId: "KEYR",
      issuerId: "issuer-r",
      publicKeyPem: await exportSPKI(keys.publicKey),
    });
    google = await startFakeGoogle();
    const putApple = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store`, {
      config: {
        bundle_id: APP.bundleId,
        environment: "Sandbox",
        issuer_id: "issuer-r",
        key_id: "KEYR",
        api_base_url: apple.url,
      },
      credentials: { root_certificates: sim.chain.rootPem, private_key: await exportPKCS8(keys.privateKey) },
    });
    expect(putApple.status, JSON.stringify(putApple.body)).toBe(200);
    const putPlay = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/play_store`, {
      config: {
        package_name: PACKAGE,
        audience: AUDIENCE,
        jwks_url: `${google.url}/oauth2/v3/certs`,
        api_base_url: google.url,
      },
      credentials: { service_account_json: google.serviceAccountJson },
    });
    expect(putPlay.status, JSON.stringify(putPlay.body)).toBe(200);
    for (const [channel, product] of [
      ["app_store", "com.example.repair.gold"],
      ["play_store", "gold:monthly"],
    ] as const) {
      await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/${channel}/products/${product}`, {
        price: cat.prices.monthly,
      });
    }
  });
  afterAll(async () => {
    await apple?.close();
    await google?.close();
    await ctx?.close();
  });

  it("asks Apple and Google once the period ended without a renewal notice, and applies what they say", async () => {
    // An App Store purchase, notified.
    const a = await customer();
    const bought: SimulatedSubscription = {
      originalTransactionId: "5000000000000001",
      productId: "com.example.repair.gold",
      appAccountToken: a.external,
      purchaseDate: T0,
      expiresDate: T0 + 30 * day,
    };
    const n = await sim.notification({
      notificationType: "SUBSCRIBED",
      subtype: "INITIAL_BUY",
      signedDate: T0,
      subscription: bought,
    });
    expect((await post(`/v1/channels/app-store/${cat.storefront}/notifications`, n.body, {})).status).toBe(200);

    // A Play purchase, notified.
    const p = await customer();
    const playState = (expiry: number): SubscriptionPurchaseV2 => ({
      startTime: iso(T0),
      subscriptionState: "SUBSCRIPTION_STATE_ACTIVE",
      acknowledgementState: "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED",
      externalAccountIdentifiers: { obfuscatedExternalAccountId: p.external },
      lineItems: [
        {
          productId: "gold",
          expiryTime: iso(expiry),
          autoRenewingPlan: { autoRenewEnabled: true },
          offerDetails: { basePlanId: "monthly" },
        },
      ],
    });
    google.setPurchase("repair-token.P", playState(T0 + 30 * day));
    const push = await google.push(
      {
        version: "1.0",
        packageName: PACKAGE,
        eventTimeMillis: String(T0),
        subscriptionNotification: { version: "1.0", notificationType: 4, purchaseToken: "repair-token.P" },
      },
      { audience: AUDIENCE },
    );
    expect(
      (await post(`/v1/channels/play-store/${cat.storefront}/notifications`, push.body, push.headers)).status,
    ).toBe(200);
    await ctx.services.worker.drain();
    expect(await subscriptionOf(a.id)).toMatchObject({ status: "active", current_period_end: iso(T0 + 30 * day) });
    expect(await subscriptionOf(p.id)).toMatchObject({ status: "active", current_period_end: iso(T0 + 30 * day) });

    // Both vendors renew; neither notification ever arrives.
    apple.set({ ...bought, purchaseDate: T0 + 30 * day, expiresDate: T0 + 60 * day }, 1, T0 + 30 * day + hour);
    google.setPurchase("repair-token.P", playState(T0 + 60 * day));
    const asked = () => apple.requests.length;

    // Before the period ends, and while they are not silent for long, no vendor is asked.
    ctx.clock.advance(5 * day);
    await sweep();
    expect(asked()).toBe(0);

    ctx.clock.advance(25 * day + 2 * hour);
    await sweep();
    expect(asked()).toBe(1);
    expect(await subscriptionOf(a.id)).toMatchObject({ status: "active", current_period_end: iso(T0 + 60 * day) });
    expect(await subscriptionOf(p.id)).toMatchObject({ status: "active", current_period_end: iso(T0 + 60 * day) });
    const inbox = (await acme.api("GET", `/v1/subscriptions/${(await subscriptionOf(a.id)).id}/notifications`)).body
      .data;
    expect(inbox.at(-1)).toMatchObject({ vendor_type: "REFETCH", status: "applied" });

    // The repair jobs wait on each vendor's own worker target.
    const jobs = await ctx.deps.db.selectFrom("jobs").select("target").where("type", "=", REPAIR_JOB).execute();
    expect(new Set(jobs.map((j) => j.target))).toEqual(
      new Set([`channel:app_store:${cat.storefront}`, `channel:play_store:${cat.storefront}`]),
    );

    // Repaired: the next sweep leaves them alone.
    ctx.clock.advance(2 * hour);
    await sweep();
    expect(asked()).toBe(1);
  });

  it("asks about a subscription that has been silent too long, and applies an expiry it missed", async () => {
    const a = await customer();
    const bought: SimulatedSubscription = {
      originalTransactionId: "5000000000000002",
      productId: "com.example.repair.gold",
      appAccountToken: a.external,
      purchaseDate: ctx.clock.now().getTime(),
      expiresDate: ctx.clock.now().getTime() + 365 * day,
    };
    const signed = ctx.clock.now().getTime();
    const n = await sim.notification({
      notificationType: "SUBSCRIBED",
      subtype: "INITIAL_BUY",
      signedDate: signed,
      subscription: bought,
    });
    expect((await post(`/v1/channels/app-store/${cat.storefront}/notifications`, n.body, {})).status).toBe(200);
    await ctx.services.worker.drain();
    // Apple revoked it (family sharing ended, say); the REVOKE notification was lost.
    apple.set(bought, 5, signed + day);
    ctx.clock.advance(8 * day);
    await sweep();
    expect(await subscriptionOf(a.id)).toMatchObject({ status: "cancelled" });
  });
});
