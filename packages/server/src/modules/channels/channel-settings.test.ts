import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, eventsOf, newCustomer } from "../../../test/billing-setup.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { MEMORY_MAPPING, type MemoryWire, memoryChannel, signMemory } from "../../../test/memory-channel.js";
import { withSystemAccess } from "../../db/access.js";
import { type ChannelAdapter, mapByTable, type VendorStatus } from "./port.js";

/*
 * The parts every channel shares, through the API: settings with write-only secrets, the product
 * map, links, the public notification route (a memory vendor stands in for the App Store), the
 * parked → retried path, the per-subscription inbox, the channel actor, and refetch. The app runs
 * with no default database access, so on Postgres the public route must find its tenant itself.
 */

const MAPPING = { ...MEMORY_MAPPING, CHANGED: { event: null, refetch: true } } as const;

describe("channels: settings, product map, links, public notifications, refetch", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  // What the vendor answers when asked (the refetch), per vendor subscription id.
  const vendorState = new Map<string, VendorStatus>();
  const asked: string[] = [];
  const memory = memoryChannel("app_store");
  const adapter: ChannelAdapter = {
    ...memory,
    capabilities: { ...memory.capabilities, refetch: true },
    mapping: MAPPING,
    map: (n) => mapByTable(MAPPING, n),
    async refetch(link, settings) {
      if (settings.credentials.secret !== "s3cret") throw new Error("refetch got other settings");
      asked.push(link.vendorSubscriptionId);
      const state = vendorState.get(link.vendorSubscriptionId);
      if (!state) throw new Error(`the vendor knows no ${link.vendorSubscriptionId}`);
      return state;
    },
    checkSettings: (settings, { production }) =>
      production && settings.config.environment === "Xcode"
        ? [{ path: "config.environment", message: "Xcode is never accepted in production" }]
        : [],
  };
  const url = (storefront: string) => `/v1/channels/app-store/${storefront}/notifications`;
  const push = (batch: MemoryWire[], secret = "s3cret", storefront = cat.storefront) => {
    const { headers, body } = signMemory(secret, batch);
    return client(ctx, undefined, undefined)("POST", url(storefront), body, headers);
  };
  const drain = () => ctx.services.worker.drain({ environmentId: acme.scopes.development!.environmentId });

  beforeAll(async () => {
    ctx = await createTestApp({}, { channels: [adapter] }, { kind: "none" });
    acme = await withSystemAccess(() => createTestTenant(ctx));
    cat = await billingCatalog(acme.api);
  });
  afterAll(() => ctx.close());

  it("keeps settings with write-only secrets, enables the channel, and keeps or clears the secrets", async () => {
    const put = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store`, {
      config: { bundle_id: "com.example.app", environment: "Sandbox" },
      credentials: { secret: "s3cret" },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      object: "channel_settings",
      storefront: cat.storefront,
      channel: "app_store",
      config: { bundle_id: "com.example.app", environment: "Sandbox" },
      credential_names: ["secret"],
      notification_url: `http://tessera.test/v1/channels/app-store/${cat.storefront}/notifications`,
      updated_at: expect.any(String),
    });
    expect(JSON.stringify(put.body)).not.toContain("s3cret");
    const stored = await withSystemAccess(() => ctx.deps.db.selectFrom("channel_settings").selectAll().execute());
    expect(JSON.stringify(stored)).not.toContain("s3cret");
    const audited = (await eventsOf(acme.api, cat.storefront)).filter(
      (e) => e.type === "storefront.credentials_updated",
    );
    expect(audited).toHaveLength(1);
    expect(JSON.stringify(audited)).not.toContain("s3cret");
    expect((await acme.api("GET", `/v1/storefronts/${cat.storefront}`)).body.channels).toEqual(["direct", "app_store"]);

    // Without credentials: kept. The GET says which are set, never what.
    await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store`, {
      config: { bundle_id: "com.example.app" },
    });
    const got = await acme.api("GET", `/v1/storefronts/${cat.storefront}/channels/app_store`);
    expect(got.body).toMatchObject({ config: { bundle_id: "com.example.app" }, credential_names: ["secret"] });

    const other = await billingCatalog(acme.api);
    await acme.api("PUT", `/v1/storefronts/${other.storefront}/channels/app_store`, { credentials: { secret: "x" } });
    const cleared = await acme.api("PUT", `/v1/storefronts/${other.storefront}/channels/app_store`, {
      credentials: {},
    });
    expect(cleared.body.credential_names).toEqual([]);
  });

  it("refuses bad settings input as 4xx problems", async () => {
    const path = `/v1/storefronts/${cat.storefront}/channels`;
    expect((await acme.api("PUT", `${path}/app_store`, { config: {}, surprise: 1 })).status).toBe(400);
    expect((await acme.api("PUT", `${path}/itunes`, { config: {} })).status).toBe(400);
    expect((await acme.api("GET", `/v1/storefronts/nope/channels/app_store`)).status).toBe(404);
    const direct = await acme.api("PUT", `${path}/direct`, { config: {} });
    expect([direct.status, direct.body.code]).toEqual([422, "UNPROCESSABLE"]);
    const production = acme.as("production");
    const prodCat = await billingCatalog(production);
    const xcode = await production("PUT", `/v1/storefronts/${prodCat.storefront}/channels/app_store`, {
      config: { environment: "Xcode" },
    });
    expect([xcode.status, xcode.body.code, xcode.body.errors?.[0]?.path]).toEqual([
      400,
      "VALIDATION_FAILED",
      "config.environment",
    ]);
    // Another tenant's storefront does not exist for this one.
    const bravo = await withSystemAccess(() => createTestTenant(ctx, "bravo"));
    expect((await bravo.api("GET", `/v1/storefronts/${cat.storefront}/channels/app_store`)).status).toBe(404);
  });

  it("refuses a forged push with 401 and keeps it unverified; an unknown storefront is 404", async () => {
    const forged = await push([{ id: "f-1", subscription: "v-f", at: "2026-01-01T00:00:00Z", type: "REFUND" }], "nope");
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe("CHANNEL_NOTIFICATION_REFUSED");
    expect(forged.body.detail).toContain("BAD_SIGNATURE");
    const kept = await withSystemAccess(() =>
      ctx.deps.db.selectFrom("channel_notifications").selectAll().where("status", "=", "rejected").execute(),
    );
    expect(kept.map((k) => k.verified)).toEqual([0]);
    expect((await push([], "s3cret", "sf_01J00000000000000000000000")).status).toBe(404);
  });

  it("parks a notification for an unknown product and customer, and applies it after the map and the link", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const first: MemoryWire = {
      id: "n-1",
      subscription: "2000000000000001",
      at: "2026-01-02T00:00:00Z",
      type: "SUBSCRIBED",
      subtype: "INITIAL_BUY",
      product: "com.example.gold",
      customer: "someone-we-do-not-know",
      period: { start: "2026-01-02T00:00:00.000Z", end: "2026-02-02T00:00:00.000Z" },
    };
    const once = await push([first]);
    expect(once.body).toEqual({ received: 1, duplicates: 0 });
    expect((await push([first])).body).toEqual({ received: 0, duplicates: 1 });
    await drain();
    let subs = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data;
    expect(subs).toEqual([]);

    const linked = await acme.api("POST", `/v1/storefronts/${cat.storefront}/channels/app_store/links`, {
      vendor_subscription_id: "2000000000000001",
      customer,
    });
    expect(linked.body).toMatchObject({ object: "channel_link", customer, retried: 1 });
    await drain();
    // Linked, but the product is still unknown: parked again, nothing made.
    subs = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data;
    expect(subs).toEqual([]);

    const mapped = await acme.api(
      "PUT",
      `/v1/storefronts/${cat.storefront}/channels/app_store/products/com.example.gold`,
      { price: cat.prices.monthly },
    );
    expect(mapped.body).toMatchObject({
      object: "channel_product",
      vendor_product_id: "com.example.gold",
      price: cat.prices.monthly,
    });
    const list = await acme.api("GET", `/v1/storefronts/${cat.storefront}/channels/app_store/products`);
    expect(list.body.data.map((p: { vendor_product_id: string }) => p.vendor_product_id)).toEqual(["com.example.gold"]);
    await drain();

    subs = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data;
    expect(subs).toHaveLength(1);
    const sub = (await acme.api("GET", `/v1/subscriptions/${subs[0].id}`)).body;
    expect(sub).toMatchObject({
      channel: "app_store",
      status: "active",
      vendor: { channel: "app_store", vendor_subscription_id: "2000000000000001", vendor_customer_id: null },
    });
    const inbox = (await acme.api("GET", `/v1/subscriptions/${sub.id}/notifications`)).body.data;
    expect(inbox).toEqual([
      expect.objectContaining({
        vendor_event_id: "n-1",
        verified: true,
        status: "applied",
        changes: { created: sub.id, to: "active" },
        raw: expect.stringContaining('"n-1"'),
      }),
    ]);
    const created = (await eventsOf(acme.api, sub.id)).find((e) => e.type === "subscription.created");
    expect(created.actor).toEqual({ type: "channel", id: "app_store" });

    const unmapped = await acme.api(
      "DELETE",
      `/v1/storefronts/${cat.storefront}/channels/app_store/products/com.example.gold`,
    );
    expect(unmapped.body).toMatchObject({ deleted: true });
    expect(
      (await acme.api("DELETE", `/v1/storefronts/${cat.storefront}/channels/app_store/products/com.example.gold`))
        .status,
    ).toBe(404);
  });

  it("applies a purchase parked for a customer that did not exist yet once the customer is made", async () => {
    await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store/products/com.example.gold`, {
      price: cat.prices.monthly,
    });
    await push([
      {
        id: "c-1",
        subscription: "v-later",
        at: "2026-01-04T00:00:00Z",
        type: "SUBSCRIBED",
        subtype: "INITIAL_BUY",
        product: "com.example.gold",
        customer: "made-later-42",
      },
    ]);
    await drain();
    const parked = await withSystemAccess(() =>
      ctx.deps.db.selectFrom("channel_notifications").select("status").where("vendor_event_id", "=", "c-1").execute(),
    );
    expect(parked).toEqual([{ status: "parked" }]);
    const made = await acme.api("POST", "/v1/customers", { storefront: cat.storefront, external_id: "made-later-42" });
    // The customer's event reaches the channels' consumer through the fan-out jobs, then the apply job.
    await ctx.services.worker.drain();
    await drain();
    expect((await acme.api("GET", `/v1/subscriptions?customer=${made.body.id}`)).body.data).toMatchObject([
      { channel: "app_store", status: "active" },
    ]);
  });

  it("asks the vendor when the mapping says refetch, and repairs a subscription on request", async () => {
    await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store/products/com.example.gold`, {
      price: cat.prices.monthly,
    });
    const customer = await newCustomer(acme.api, cat.storefront);
    const external = (await acme.api("GET", `/v1/customers/${customer}`)).body.external_id;
    await push([
      {
        id: "r-1",
        subscription: "v-r",
        at: "2026-01-05T00:00:00Z",
        type: "SUBSCRIBED",
        subtype: "INITIAL_BUY",
        product: "com.example.gold",
        customer: external,
      },
    ]);
    await drain();
    const sub = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data[0];
    expect(sub.status).toBe("active");

    // The push only says "changed": the vendor is asked, and says the renewal failed into grace.
    vendorState.set("v-r", { event: "external_grace", observedAt: "2026-01-06T00:00:00.000Z" });
    await push([{ id: "r-2", subscription: "v-r", at: "2026-01-06T00:00:00Z", type: "CHANGED" }]);
    await drain();
    expect(asked).toEqual(["v-r"]);
    expect((await acme.api("GET", `/v1/subscriptions/${sub.id}`)).body.status).toBe("grace");

    // A missed notification: the repair asks the vendor and applies its answer.
    vendorState.set("v-r", {
      event: "external_renewed",
      cancelAtPeriodEnd: true,
      observedAt: "2026-01-07T00:00:00.000Z",
      period: { start: "2026-01-07T00:00:00.000Z", end: "2026-02-07T00:00:00.000Z" },
    });
    const repaired = await acme.api("POST", `/v1/subscriptions/${sub.id}/refetch`);
    expect(repaired.status).toBe(200);
    expect(repaired.body).toMatchObject({ vendor_type: "REFETCH", status: "applied", event: "external_renewed" });
    expect((await acme.api("GET", `/v1/subscriptions/${sub.id}`)).body).toMatchObject({
      status: "active",
      cancel_at_period_end: true,
      current_period_end: "2026-02-07T00:00:00.000Z",
    });

    // Our own billing's subscriptions have no vendor to ask.
    const direct = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: cat.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    const refused = await acme.api("POST", `/v1/subscriptions/${direct.body.id}/refetch`);
    expect([refused.status, refused.body.code]).toEqual([422, "UNPROCESSABLE"]);
    expect((await acme.api("GET", `/v1/subscriptions/${direct.body.id}`)).body).not.toHaveProperty("vendor");
  });
});
