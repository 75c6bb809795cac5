import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../../test/harness.js";
import type { ChannelSettings } from "../port.js";
import { reference } from "./api.js";
import { type FakeAggregator, startFakeAggregator, subscriptionCallback } from "./fake-aggregator.js";

/*
 * Carrier callbacks through the channels service on a real database: whatever order and however
 * often they arrive, the subscription ends in the state of the aggregator's newest `timestamp`.
 */

describe("telecom callbacks through the inbox", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let fake: FakeAggregator;
  let settings: ChannelSettings;
  const scope = () => acme.scopes.development!;

  beforeAll(async () => {
    ctx = await createTestApp();
    fake = await startFakeAggregator({ clock: ctx.clock });
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    await acme.api("PATCH", `/v1/storefronts/${cat.storefront}`, { channels: ["direct", "telecom"] });
    await ctx.services.channels.mapProduct(scope(), {
      channel: "telecom",
      storefrontId: cat.storefront,
      vendorProductId: "premium-weekly",
      priceId: cat.prices.monthly,
    });
    settings = {
      config: { aggregator: "fortumo", api_base_url: fake.url, merchant_id: fake.merchantId },
      credentials: { private_key: fake.merchantPrivateKey, aggregator_public_key: fake.aggregatorPublicKey },
    };
  });
  afterAll(async () => {
    await ctx.close();
    await fake.close();
  });

  const at = (minutes: number) => new Date(ctx.clock.now().getTime() + minutes * 60_000);

  async function run(order: number[], states: Array<[string, string | undefined]>) {
    const customer = await newCustomer(acme.api, cat.storefront);
    const ref = reference("premium-weekly", customer);
    const bodies = states.map(([status, billing], i) =>
      subscriptionCallback({
        reference: ref,
        status,
        ...(billing && { billing }),
        at: at(i + 1),
        merchantId: fake.merchantId,
      }),
    );
    for (const i of order) {
      const result = await ctx.services.channels.receive(scope(), {
        channel: "telecom",
        storefrontId: cat.storefront,
        request: await fake.signedCallback(bodies[i]!),
        settings,
      });
      expect(result.verified).toBe(true);
    }
    await ctx.services.worker.drain({ environmentId: scope().environmentId });
    const sub = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data[0];
    const entitled = (await acme.api("GET", `/v1/customers/${customer}/entitlements`)).body.subscriptions.length > 0;
    return { status: sub?.status as string | undefined, entitled };
  }

  const lifecycle: Array<[string, string | undefined]> = [
    ["active", "free"],
    ["active", "charged"],
    ["active", "insufficient_funds"],
    ["suspended", "failed"],
    ["active", "partially_charged"],
  ];

  it("in the aggregator's order, reversed, shuffled with duplicates: the same end state (active, entitled)", async () => {
    for (const order of [
      [0, 1, 2, 3, 4],
      [4, 3, 2, 1, 0],
      [2, 0, 4, 4, 1, 3, 0],
    ]) {
      expect(await run(order, lifecycle), order.join(",")).toEqual({ status: "active", entitled: true });
    }
  });

  it("keeps callbacks for an unknown product and customer, and applies them after the link and the mapping", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    // A reference made elsewhere: a product nobody mapped, a customer id we do not have.
    const ref = reference("premium-daily", "cus_01J00000000000000000000000");
    const callbacks = [
      subscriptionCallback({
        reference: ref,
        status: "active",
        billing: "charged",
        at: at(1),
        merchantId: fake.merchantId,
      }),
      subscriptionCallback({
        reference: ref,
        status: "active",
        billing: "insufficient_funds",
        at: at(2),
        merchantId: fake.merchantId,
      }),
    ];
    for (const body of callbacks) {
      const request = await fake.signedCallback(body);
      expect(
        (
          await ctx.services.channels.receive(scope(), {
            channel: "telecom",
            storefrontId: cat.storefront,
            request,
            settings,
          })
        ).verified,
      ).toBe(true);
    }
    const drain = () => ctx.services.worker.drain({ environmentId: scope().environmentId });
    await drain();
    const statuses = async () =>
      (
        await ctx.deps.db
          .selectFrom("channel_notifications")
          .select("status")
          .where("vendor_subscription_id", "=", ref)
          .execute()
      ).map((n) => n.status);
    expect(await statuses()).toEqual(["parked", "parked"]);
    const link = await ctx.services.channels.link(scope(), {
      channel: "telecom",
      storefrontId: cat.storefront,
      vendorSubscriptionId: ref,
      customerId: customer,
    });
    expect(link.retried).toBe(2);
    await drain();
    expect(await statuses()).toEqual(["parked", "parked"]);
    const mapped = await ctx.services.channels.mapProduct(scope(), {
      channel: "telecom",
      storefrontId: cat.storefront,
      vendorProductId: "premium-daily",
      priceId: cat.prices.monthly,
    });
    expect(mapped.retried).toBe(2);
    await drain();
    // Both settled; which one the worker ran first decides which is `superseded` (no order assumed).
    expect((await statuses()).every((st) => st === "applied" || st === "superseded")).toBe(true);
    const sub = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data[0];
    expect(sub).toMatchObject({ channel: "telecom", status: "grace" });
  });

  it("a removal reported before the charges it follows still ends it", async () => {
    const ended: Array<[string, string | undefined]> = [...lifecycle, ["removed", undefined]];
    expect(await run([5, 0, 1, 2, 3, 4], ended)).toEqual({ status: "expired", entitled: false });
  });
});
