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
import { APPLY_JOB, FOLLOW_UP_JOB } from "../service.js";
import type { SubscriptionPurchaseV2 } from "./api.js";
import { startFakeGoogle } from "./fake-google.js";

/*
 * Google Play purchases that replace another (subscriptionsv2 `linkedPurchaseToken`: upgrade,
 * downgrade, resubscribe with a new token), the acknowledgement job's dedupe, and the worker
 * target of the channel's jobs. Through the public push route, with the local Google.
 */

const google = await startFakeGoogle();
afterAll(() => google.close());
const PACKAGE = "com.example.linked";
const AUDIENCE = "https://tessera.test/play-linked";
const T0 = Date.parse("2026-05-01T00:00:00.000Z");
const day = 86_400_000;

const purchase = (
  basePlanId: string,
  account: string,
  extra: Partial<SubscriptionPurchaseV2> = {},
): SubscriptionPurchaseV2 => ({
  startTime: "2026-05-01T00:00:00.000Z",
  subscriptionState: "SUBSCRIPTION_STATE_ACTIVE",
  acknowledgementState: "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED",
  externalAccountIdentifiers: { obfuscatedExternalAccountId: account },
  lineItems: [
    {
      productId: "gold",
      expiryTime: "2026-06-01T00:00:00.000Z",
      autoRenewingPlan: { autoRenewEnabled: true },
      offerDetails: { basePlanId },
    },
  ],
  ...extra,
});

describe("Play linked purchases, acknowledgements and job targets", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let at = T0;
  const env = () => acme.scopes.development!.environmentId;
  const drain = () => ctx.services.worker.drain({ environmentId: env() });
  const notify = async (type: number, token: string) => {
    at += day;
    const push = await google.push(
      {
        version: "1.0",
        packageName: PACKAGE,
        eventTimeMillis: String(at),
        subscriptionNotification: { version: "1.0", notificationType: type, purchaseToken: token },
      },
      { audience: AUDIENCE },
    );
    const res = await client(ctx, undefined, undefined)(
      "POST",
      `/v1/channels/play-store/${cat.storefront}/notifications`,
      push.body,
      push.headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await drain();
  };
  const customer = async (external: string) =>
    (await acme.api("POST", "/v1/customers", { storefront: cat.storefront, external_id: external })).body.id as string;
  const subscriptionsOf = async (id: string) =>
    (await acme.api("GET", `/v1/subscriptions?customer=${id}`)).body.data as Array<Record<string, Json>>;
  const grants = async (id: string) =>
    (await acme.api("GET", `/v1/customers/${id}/entitlements`)).body.subscriptions as unknown[];
  const jobs = (type: string) =>
    ctx.deps.db
      .selectFrom("jobs")
      .select(["target", "payload", "status"])
      .where("type", "=", type)
      .where("environment_id", "=", env())
      .execute();

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    const put = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/play_store`, {
      config: {
        package_name: PACKAGE,
        audience: AUDIENCE,
        jwks_url: `${google.url}/oauth2/v3/certs`,
        api_base_url: google.url,
      },
      credentials: { service_account_json: google.serviceAccountJson },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    for (const [plan, price] of [
      ["gold:monthly", cat.prices.monthly],
      ["gold:yearly", cat.prices.yearly],
    ] as const) {
      await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/play_store/products/${plan}`, { price });
    }
  });
  afterAll(() => ctx?.close());

  it("an upgrade with linkedPurchaseToken ends the old subscription and keeps exactly one", async () => {
    const id = await customer("linked-user-1");
    google.setPurchase("old-token.A", purchase("monthly", "linked-user-1"));
    await notify(4, "old-token.A");
    const [before] = await subscriptionsOf(id);
    expect(before).toMatchObject({ status: "active" });

    // The upgrade to the yearly plan: a new token naming the old one; Google expires the old purchase.
    google.setPurchase("new-token.B", purchase("yearly", "linked-user-1", { linkedPurchaseToken: "old-token.A" }));
    google.setPurchase(
      "old-token.A",
      purchase("monthly", "linked-user-1", { subscriptionState: "SUBSCRIPTION_STATE_EXPIRED" }),
    );
    await notify(4, "new-token.B");
    const after = await subscriptionsOf(id);
    expect(after.filter((s) => s.status === "active")).toHaveLength(1);
    const current = after.find((s) => s.status === "active")!;
    expect(current.id).not.toBe(before!.id);
    expect([before!.price, current.price]).toEqual([cat.prices.monthly, cat.prices.yearly]);
    expect((await acme.api("GET", `/v1/subscriptions/${current.id}`)).body.vendor).toMatchObject({
      vendor_subscription_id: "new-token.B",
    });
    expect(after.find((s) => s.id === before!.id)).toMatchObject({ status: "expired" });
    expect(await grants(id)).toHaveLength(1);
    const oldInbox = (await acme.api("GET", `/v1/subscriptions/${before!.id}/notifications`)).body.data;
    expect(oldInbox.at(-1)).toMatchObject({ vendor_type: "REPLACED", status: "applied", event: "external_expired" });

    // A late notification of the old token (Google: expired) does not bring it back.
    await notify(2, "old-token.A");
    expect((await subscriptionsOf(id)).filter((s) => s.status === "active").map((s) => s.id)).toEqual([current.id]);
    // Replayed news of the new token ends nothing twice.
    await notify(2, "new-token.B");
    expect(await grants(id)).toHaveLength(1);
  });

  it("a resubscription with a new token that names no customer carries the old one's link", async () => {
    const id = await customer("linked-user-2");
    google.setPurchase("old-token.C", purchase("monthly", "linked-user-2"));
    await notify(4, "old-token.C");
    google.setPurchase(
      "new-token.D",
      purchase("monthly", "", { linkedPurchaseToken: "old-token.C", externalAccountIdentifiers: {} }),
    );
    await notify(4, "new-token.D");
    const subs = await subscriptionsOf(id);
    expect(subs.map((s) => s.status).sort()).toEqual(["active", "expired"]);
    const link = await acme.api("GET", `/v1/subscriptions/${subs.find((s) => s.status === "active")!.id}`);
    expect(link.body.vendor).toMatchObject({ vendor_subscription_id: "new-token.D" });
  });

  it("a purchase that needs acknowledging again after its job ran gets a new job", async () => {
    await customer("linked-user-3");
    const pending = { acknowledgementState: "ACKNOWLEDGEMENT_STATE_PENDING" };
    google.setPurchase("ack-token.E", purchase("monthly", "linked-user-3", pending));
    await notify(4, "ack-token.E");
    expect(google.acknowledged.filter((t) => t === "ack-token.E")).toHaveLength(1);
    // Google reports it unacknowledged again (say the first acknowledgement was lost on its side).
    google.setPurchase("ack-token.E", purchase("monthly", "linked-user-3", pending));
    await notify(2, "ack-token.E");
    expect(google.acknowledged.filter((t) => t === "ack-token.E")).toHaveLength(2);
    expect(google.purchase("ack-token.E")?.acknowledgementState).toBe("ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED");
  });

  it("keeps a purchase of an unknown base plan by an unknown account, and applies it after the link and the map", async () => {
    const id = await customer("linked-user-4");
    google.setPurchase("parked-token.F", purchase("weekly", "someone-we-do-not-know"));
    await notify(4, "parked-token.F");
    const kept = async () =>
      (
        await ctx.deps.db
          .selectFrom("channel_notifications")
          .select("status")
          .where("vendor_subscription_id", "=", "parked-token.F")
          .execute()
      ).map((n) => n.status);
    expect(await kept()).toEqual(["parked"]);
    const linked = await acme.api("POST", `/v1/storefronts/${cat.storefront}/channels/play_store/links`, {
      vendor_subscription_id: "parked-token.F",
      customer: id,
    });
    expect(linked.body).toMatchObject({ retried: 1 });
    await drain();
    expect(await kept()).toEqual(["parked"]);
    await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/play_store/products/gold:weekly`, {
      price: cat.prices.monthly,
    });
    await drain();
    expect(await kept()).toEqual(["applied"]);
    expect(await subscriptionsOf(id)).toMatchObject([{ channel: "play_store", status: "active" }]);
  });

  it("runs the apply and follow-up jobs on the vendor's own worker target", async () => {
    const target = `channel:play_store:${cat.storefront}`;
    const applies = await jobs(APPLY_JOB);
    expect(applies.length).toBeGreaterThan(0);
    expect(new Set(applies.map((j) => j.target))).toEqual(new Set([target]));
    const followUps = await jobs(FOLLOW_UP_JOB);
    expect(followUps.length).toBeGreaterThan(0);
    expect(new Set(followUps.map((j) => j.target))).toEqual(new Set([target]));
  });
});
