import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { memoryChannel, signMemory } from "../../../test/memory-channel.js";

describe("channel inbox", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  const settings = { config: {}, credentials: { secret: "s3cret" } };
  const scope = () => acme.scopes.development!;
  const receive = (batch: Parameters<typeof signMemory>[1], storefrontId = cat.storefront) =>
    ctx.services.channels.receive(scope(), {
      channel: "telecom",
      storefrontId,
      request: signMemory("s3cret", batch),
      settings,
    });

  beforeAll(async () => {
    ctx = await createTestApp({}, { channels: [memoryChannel("telecom")] });
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    await acme.api("PATCH", `/v1/storefronts/${cat.storefront}`, { channels: ["direct", "telecom"] });
    await ctx.services.channels.mapProduct(scope(), {
      channel: "telecom",
      storefrontId: cat.storefront,
      vendorProductId: "gold",
      priceId: cat.prices.monthly,
    });
  });
  afterAll(() => ctx.close());

  it("keeps a forged push as rejected and applies nothing", async () => {
    const request = signMemory("not-the-secret", [
      { id: "f-1", subscription: "v-f", at: "2026-01-01T00:00:00Z", type: "REFUND" },
    ]);
    const result = await ctx.services.channels.receive(scope(), {
      channel: "telecom",
      storefrontId: cat.storefront,
      request,
      settings,
    });
    expect(result).toMatchObject({ verified: false, code: "BAD_SIGNATURE", notifications: [] });
    const kept = await ctx.deps.db
      .selectFrom("channel_notifications")
      .selectAll()
      .where("status", "=", "rejected")
      .execute();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ verified: 0, raw: request.body, vendor_subscription_id: null });
  });

  it("refuses a channel the storefront does not enable with 422", async () => {
    const other = await billingCatalog(acme.api);
    await expect(receive([], other.storefront)).rejects.toMatchObject({ code: "CHANNEL_NOT_ENABLED" });
  });

  it("creates the subscription on first sight, dedupes a second delivery, ignores unknown types, and the API cannot change it", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const ext = (await acme.api("GET", `/v1/customers/${customer}`)).body.external_id;
    const first = [
      {
        id: "a-1",
        subscription: "v-a",
        at: "2026-01-02T00:00:00Z",
        type: "SUBSCRIBED",
        subtype: "INITIAL_BUY",
        product: "gold",
        customer: ext,
        period: { start: "2026-01-02T00:00:00.000Z", end: "2026-02-02T00:00:00.000Z" },
      },
    ];
    const once = await receive(first);
    const twice = await receive(first);
    expect(twice.notifications).toEqual([{ ...once.notifications[0], duplicate: true }]);
    await receive([{ id: "a-2", subscription: "v-a", at: "2026-01-03T00:00:00Z", type: "SOMETHING_NEW" }]);
    await ctx.services.worker.drain({ environmentId: scope().environmentId });

    const sub = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data[0];
    expect(sub).toMatchObject({ channel: "telecom", status: "active", payment_method: null });
    const inbox = await ctx.services.channels.listNotifications(scope(), sub.id);
    expect(inbox.map((n) => [n.vendor_event_id, n.status, n.event])).toEqual([
      ["a-1", "applied", "external_renewed"],
      ["a-2", "ignored", null],
    ]);
    expect(JSON.parse(inbox[0]!.changes!)).toEqual({ created: sub.id, to: "active" });

    for (const [path, body] of [
      ["cancel", { at_period_end: false }],
      ["payment-method", { payment_method: "pm_sandbox_ok" }],
      ["retry", undefined],
    ] as const) {
      const res = await acme.api("POST", `/v1/subscriptions/${sub.id}/${path}`, body);
      expect(res.status, path).toBe(422);
      expect(res.body.code).toBe("CHANNEL_MANAGED_EXTERNALLY");
    }

    // A refund takes access away at once.
    await receive([{ id: "a-3", subscription: "v-a", at: "2026-01-04T00:00:00Z", type: "REFUND" }]);
    await ctx.services.worker.drain({ environmentId: scope().environmentId });
    const after = (await acme.api("GET", `/v1/subscriptions/${sub.id}`)).body;
    expect(after).toMatchObject({ status: "cancelled", ended_at: "2026-01-04T00:00:00.000Z" });
    expect(after.status_history.map((h: { reason: string }) => h.reason)).toEqual(["created", "refunded"]);
    const ent = (await acme.api("GET", `/v1/customers/${customer}/entitlements`)).body;
    expect(ent.subscriptions).toEqual([]);
  });

  it("our own billing's subscriptions refuse a vendor's report, and the other way round", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const created = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: cat.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    const store = ctx.services.subscriptions.store;
    const row = (await store.find(ctx.deps.db, scope(), created.body.id))!;
    await expect(
      store.writeNow(scope(), row, { move: { event: "refunded" }, correlationId: null }),
    ).rejects.toMatchObject({ code: "INVALID_STATE_TRANSITION" });
  });
});
