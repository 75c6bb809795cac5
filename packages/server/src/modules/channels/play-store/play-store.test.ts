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
import type { ChannelSettings } from "../port.js";
import { FOLLOW_UP_JOB } from "../service.js";
import { playStoreChannel } from "./adapter.js";
import type { SubscriptionPurchaseV2 } from "./api.js";
import { startFakeGoogle } from "./fake-google.js";
import { PLAY_MAPPING, PLAY_NO_EFFECT, PLAY_NOTIFICATION_TYPES, PLAY_STATE_EFFECTS } from "./mapping.js";

const google = await startFakeGoogle();
afterAll(() => google.close());
const PACKAGE = "com.example.reader";
const AUDIENCE = "https://tessera.test/play";
const adapter = playStoreChannel();
const settings: ChannelSettings = {
  config: {
    package_name: PACKAGE,
    audience: AUDIENCE,
    jwks_url: `${google.url}/oauth2/v3/certs`,
    api_base_url: google.url,
  },
  credentials: { service_account_json: google.serviceAccountJson },
};
const T0 = Date.parse("2026-01-02T00:00:00.000Z");
const day = 86_400_000;
const rtdn = (notificationType: number, purchaseToken: string, at: number, packageName = PACKAGE) => ({
  version: "1.0",
  packageName,
  eventTimeMillis: String(at),
  subscriptionNotification: { version: "1.0", notificationType, purchaseToken },
});
const sample = await google.push(rtdn(4, "token-sample", T0), { audience: AUDIENCE });

testChannel("play_store", () => ({
  adapter,
  settings,
  sample: () => ({ request: { headers: sample.headers, body: sample.body }, vendorEventIds: [sample.messageId] }),
  tampered: (request) => ({
    ...request,
    headers: { ...request.headers, authorization: `${request.headers.authorization}x` },
  }),
  wronglyKeyed: { ...settings, config: { ...settings.config, audience: "https://someone-else.example" } },
}));

const purchase = (state: string, extra: Partial<SubscriptionPurchaseV2> = {}): SubscriptionPurchaseV2 => ({
  startTime: "2026-01-02T00:00:00.000Z",
  subscriptionState: state,
  acknowledgementState: "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED",
  lineItems: [
    {
      productId: "gold",
      expiryTime: "2026-02-02T00:00:00.000Z",
      autoRenewingPlan: { autoRenewEnabled: true },
      offerDetails: { basePlanId: "monthly" },
    },
  ],
  ...extra,
});

describe("Play mapping", () => {
  it("makes every subscription notification type a refetch, except revoke (access ends at once)", () => {
    for (const type of Object.values(PLAY_NOTIFICATION_TYPES)) {
      expect(PLAY_MAPPING[type], type).toEqual(
        type === "SUBSCRIPTION_REVOKED" ? { event: "revoked" } : { event: null, refetch: true },
      );
    }
    for (const type of Object.keys(PLAY_NO_EFFECT))
      expect(adapter.map({ vendorType: type, vendorSubtype: null })).toEqual({ event: null });
  });

  for (const [state, effect] of Object.entries(PLAY_STATE_EFFECTS)) {
    it(`reads ${state} as ${effect.event ?? "no status"}`, async () => {
      google.setPurchase(`token-${state}`, purchase(state));
      const status = await adapter.refetch!(
        { channel: "play_store", vendorSubscriptionId: `token-${state}`, storefrontId: "sf" },
        settings,
      );
      expect(status).toMatchObject({ event: effect.event, productId: "gold:monthly" });
      if (effect.cancelAtPeriodEnd) expect(status.cancelAtPeriodEnd).toBe(true);
    });
  }

  it("reads auto-renew off, a free trial, the account id and a pending acknowledgement", async () => {
    google.setPurchase(
      "token-trial",
      purchase("SUBSCRIPTION_STATE_ACTIVE", {
        acknowledgementState: "ACKNOWLEDGEMENT_STATE_PENDING",
        externalAccountIdentifiers: { obfuscatedExternalAccountId: "user-7" },
        lineItems: [
          {
            productId: "gold",
            expiryTime: "2026-01-09T00:00:00.000Z",
            autoRenewingPlan: { autoRenewEnabled: false },
            offerPhase: { freeTrial: {} },
          },
        ],
      }),
    );
    const status = await adapter.refetch!(
      { channel: "play_store", vendorSubscriptionId: "token-trial", storefrontId: "sf" },
      settings,
    );
    expect(status).toEqual({
      event: "external_renewed",
      trial: true,
      cancelAtPeriodEnd: true,
      period: { start: "2026-01-02T00:00:00.000Z", end: "2026-01-09T00:00:00.000Z" },
      productId: "gold",
      customerHint: "user-7",
      followUps: ["acknowledge"],
    });
  });
});

describe("Play verification refuses, with a clear code", () => {
  const verify = async (push: { headers: Record<string, string>; body: string }, s = settings) =>
    adapter.verify(push, s);

  it("a push without a token, for another audience, from another signer or sender", async () => {
    expect(await verify(await google.push(rtdn(2, "t", T0)))).toMatchObject({ code: "UNSIGNED" });
    expect(await verify(await google.push(rtdn(2, "t", T0), { audience: "https://other.example" }))).toMatchObject({
      code: "WRONG_AUDIENCE",
    });
    const stranger = await startFakeGoogle();
    try {
      expect(await verify(await stranger.push(rtdn(2, "t", T0), { audience: AUDIENCE }))).toMatchObject({
        code: "BAD_SIGNATURE",
      });
    } finally {
      await stranger.close();
    }
    const pinned = {
      ...settings,
      config: { ...settings.config, push_service_account: "pusher@example.iam.gserviceaccount.com" },
    };
    expect(await verify(await google.push(rtdn(2, "t", T0), { audience: AUDIENCE }), pinned)).toMatchObject({
      code: "WRONG_SENDER",
    });
  });

  it("another app's package and a body that is not a push", async () => {
    expect(
      await verify(await google.push(rtdn(2, "t", T0, "com.example.other"), { audience: AUDIENCE })),
    ).toMatchObject({
      code: "WRONG_PACKAGE",
    });
    const push = await google.push(rtdn(2, "t", T0), { audience: AUDIENCE });
    expect(await verify({ headers: push.headers, body: "{}" })).toMatchObject({ code: "MALFORMED" });
  });

  it("production settings without an audience or with local endpoints", () => {
    const open = { config: { package_name: PACKAGE }, credentials: {} };
    expect(adapter.checkSettings!(open, { production: true })[0]?.path).toBe("config.audience");
    expect(adapter.checkSettings!(open, { production: false })).toEqual([]);
    expect(adapter.checkSettings!(settings, { production: true })[0]?.path).toBe("config");
  });
});

describe("Play through the API: push → subscriptionsv2 → entitlements, acknowledged by a job", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let customer: string;
  const TOKEN = "purchase-token-abc.AO-J1Oz";
  let at = T0;
  const drain = () => ctx.services.worker.drain({ environmentId: acme.scopes.development!.environmentId });
  const post = (push: { headers: Record<string, string>; body: string }) =>
    client(ctx, undefined, undefined)(
      "POST",
      `/v1/channels/play-store/${cat.storefront}/notifications`,
      push.body,
      push.headers,
    );
  const notify = async (type: number, state: SubscriptionPurchaseV2) => {
    google.setPurchase(TOKEN, {
      ...state,
      acknowledgementState: google.purchase(TOKEN)?.acknowledgementState ?? state.acknowledgementState,
    });
    at += day;
    const res = await post(await google.push(rtdn(type, TOKEN, at), { audience: AUDIENCE }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await drain();
    return res;
  };
  const current = async () =>
    (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data[0] as Record<string, Json>;
  const entitled = async () =>
    (await acme.api("GET", `/v1/customers/${customer}/entitlements`)).body.subscriptions.length > 0;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    const put = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/play_store`, settings);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/play_store/products/gold:monthly`, {
      price: cat.prices.monthly,
    });
    customer = (await acme.api("POST", "/v1/customers", { storefront: cat.storefront, external_id: "play-user-1" }))
      .body.id;
  });
  afterAll(() => ctx?.close());

  it("creates the subscription from the API's answer, links by obfuscated account id, and acknowledges once", async () => {
    const first = await notify(
      4,
      purchase("SUBSCRIPTION_STATE_ACTIVE", {
        acknowledgementState: "ACKNOWLEDGEMENT_STATE_PENDING",
        externalAccountIdentifiers: { obfuscatedExternalAccountId: "play-user-1" },
      }),
    );
    expect(first.body).toEqual({ received: 1, duplicates: 0 });
    expect(await current()).toMatchObject({
      channel: "play_store",
      status: "active",
      current_period_end: "2026-02-02T00:00:00.000Z",
    });
    expect(await entitled()).toBe(true);
    expect(google.acknowledged).toEqual([TOKEN]);
    // The acknowledgement calls Google: its job waits on a per-vendor target, so a hanging Play API
    // holds only its own worker slots (jobs/pool.ts caps running jobs per target).
    const followUps = await ctx.deps.db
      .selectFrom("jobs")
      .select("target")
      .where("type", "=", FOLLOW_UP_JOB)
      .where("environment_id", "=", acme.scopes.development!.environmentId)
      .execute();
    expect(followUps.map((j) => j.target)).toEqual([`channel:play_store:${cat.storefront}`]);
    const sub = await current();
    expect((await acme.api("GET", `/v1/subscriptions/${sub.id}`)).body.vendor).toMatchObject({
      vendor_subscription_id: TOKEN,
    });
  });

  it("dedupes a redelivered message id", async () => {
    google.setPurchase(TOKEN, purchase("SUBSCRIPTION_STATE_ACTIVE"));
    const push = await google.push(rtdn(2, TOKEN, at + 1), { audience: AUDIENCE, messageId: "777000111" });
    expect((await post(push)).body).toEqual({ received: 1, duplicates: 0 });
    expect((await post(push)).body).toEqual({ received: 0, duplicates: 1 });
    await drain();
  });

  it("follows grace, hold, recovery, cancellation, expiry and a revoke", async () => {
    await notify(6, purchase("SUBSCRIPTION_STATE_IN_GRACE_PERIOD"));
    expect((await current()).status).toBe("grace");
    await notify(5, purchase("SUBSCRIPTION_STATE_ON_HOLD"));
    expect((await current()).status).toBe("suspended");
    expect(await entitled()).toBe(false);
    await notify(1, purchase("SUBSCRIPTION_STATE_ACTIVE"));
    expect((await current()).status).toBe("active");
    await notify(3, purchase("SUBSCRIPTION_STATE_CANCELED"));
    expect(await current()).toMatchObject({ status: "active", cancel_at_period_end: true });
    await notify(13, purchase("SUBSCRIPTION_STATE_EXPIRED"));
    expect((await current()).status).toBe("expired");
    await notify(7, purchase("SUBSCRIPTION_STATE_ACTIVE"));
    expect((await current()).status).toBe("active");
    await notify(12, purchase("SUBSCRIPTION_STATE_EXPIRED"));
    expect((await current()).status).toBe("cancelled");
    expect(await entitled()).toBe(false);
    const inbox = (await acme.api("GET", `/v1/subscriptions/${(await current()).id}/notifications`)).body.data;
    expect(inbox.map((n: { vendor_type: string }) => n.vendor_type)).toContain("SUBSCRIPTION_REVOKED");
  });

  it("converges on Google's state when notifications come late, out of order, or twice", async () => {
    const token = "purchase-token-late.AO-J1Oz";
    const customerHint = { externalAccountIdentifiers: { obfuscatedExternalAccountId: "play-user-1" } };
    // Google's pushes, oldest first; by the time any is read, the purchase is in grace.
    const pushes = [];
    for (const [i, type] of [4, 2, 6].entries()) {
      pushes.push(await google.push(rtdn(type, token, at + (i + 1) * 1000), { audience: AUDIENCE }));
    }
    google.setPurchase(token, purchase("SUBSCRIPTION_STATE_IN_GRACE_PERIOD", customerHint));
    for (const push of [pushes[2]!, pushes[0]!, pushes[2]!, pushes[1]!]) {
      expect((await post(push)).status).toBe(200);
      await drain();
    }
    const subs = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data as Array<
      Record<string, Json>
    >;
    const late = subs.find((s) => s.status !== "cancelled")!;
    expect(late.status).toBe("grace");
    const inbox = (await acme.api("GET", `/v1/subscriptions/${late.id}/notifications`)).body.data;
    expect(inbox.map((n: { vendor_type: string }) => n.vendor_type)).toEqual([
      "SUBSCRIPTION_PURCHASED",
      "SUBSCRIPTION_RENEWED",
      "SUBSCRIPTION_IN_GRACE_PERIOD",
    ]);
  });

  it("answers a push for another audience 401", async () => {
    const res = await post(await google.push(rtdn(2, TOKEN, at), { audience: "https://other.example" }));
    expect([res.status, res.body.code]).toEqual([401, "CHANNEL_NOTIFICATION_REFUSED"]);
    expect(res.body.detail).toMatch(/^WRONG_AUDIENCE/);
  });
});
