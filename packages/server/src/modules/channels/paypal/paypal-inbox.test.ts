import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../../test/harness.js";
import { ManualClock } from "../../../lib/clock.js";
import type { ChannelSettings } from "../port.js";
import { payPalChannel } from "./adapter.js";
import { activeSubscription, saleEvent, subscriptionEvent } from "./events.js";
import { FAKE_PAYPAL_HOST, type FakePayPal, startFakePayPal } from "./fake-paypal.js";

/*
 * PayPal webhooks through the channels service on a real database: verified, kept, deduplicated,
 * applied to one subscription whose state converges on PayPal's order (create_time) whatever order
 * the deliveries came in, with entitlements following the status.
 */

const T0 = new Date("2026-01-01T00:00:00.000Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const PLAN = "P-5ML4271244454362WXNWU5NQ";

describe("paypal webhooks through the inbox", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let fake: FakePayPal;
  let settings: ChannelSettings;
  const clock = new ManualClock(at(30));
  const scope = () => acme.scopes.development!;

  beforeAll(async () => {
    fake = await startFakePayPal({ clock });
    ctx = await createTestApp(
      {},
      { channels: [payPalChannel({ fetch: fake.fetch, clock, trustedRoots: [fake.rootPem] })] },
    );
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    await acme.api("PATCH", `/v1/storefronts/${cat.storefront}`, { channels: ["direct", "paypal"] });
    await ctx.services.channels.mapProduct(scope(), {
      channel: "paypal",
      storefrontId: cat.storefront,
      vendorProductId: PLAN,
      priceId: cat.prices.monthly,
    });
    settings = {
      config: { api_base_url: FAKE_PAYPAL_HOST },
      credentials: { client_id: fake.clientId, client_secret: fake.clientSecret, webhook_id: fake.webhookId },
    };
  });
  afterAll(async () => {
    await ctx.close();
    await fake.close();
  });

  const deliver = (event: Record<string, unknown>) =>
    ctx.services.channels.receive(scope(), {
      channel: "paypal",
      storefrontId: cat.storefront,
      request: fake.signed(event, { at: clock.now() }),
      settings,
    });

  async function world(vendorId: string) {
    const customer = await newCustomer(acme.api, cat.storefront);
    const sub = (status: "ACTIVE" | "SUSPENDED" | "CANCELLED" = "ACTIVE") =>
      activeSubscription({
        id: vendorId,
        planId: PLAN,
        customId: customer,
        start: at(1),
        nextBilling: at(60 * 24 * 31),
        status,
      });
    return { customer, sub };
  }

  async function state(customer: string) {
    await ctx.services.worker.drain({ environmentId: scope().environmentId });
    const list = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data;
    const entitlements = (await acme.api("GET", `/v1/customers/${customer}/entitlements`)).body;
    return { sub: list[0], entitled: entitlements.subscriptions.length > 0 };
  }

  it("an approved subscription becomes ours (linked by custom_id, priced by the plan) and grants; a duplicate changes nothing", async () => {
    const { customer, sub } = await world("I-ACTIVATE00001");
    const event = subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub(), { id: "WH-ACT-1", at: at(2) });
    const first = await deliver(event);
    const again = await deliver(event);
    expect(first.verified).toBe(true);
    expect(again.notifications[0]).toMatchObject({ duplicate: true, id: first.notifications[0]!.id });
    const { sub: ours, entitled } = await state(customer);
    expect(ours).toMatchObject({ channel: "paypal", status: "active", price: cat.prices.monthly });
    expect(entitled).toBe(true);
    const inbox = await ctx.services.channels.listNotifications(scope(), ours.id);
    expect(inbox.map((n) => [n.vendor_event_id, n.status])).toEqual([["WH-ACT-1", "applied"]]);
  });

  it("a refund removes access at once; the state is PayPal's newest whatever order the deliveries came in", async () => {
    const { customer, sub } = await world("I-REFUND0000001");
    const sale = {
      id: "5O190127TN364715T",
      subscriptionId: "I-REFUND0000001",
      amount: { total: "9.99", currency: "EUR" },
    };
    fake.sales.set(sale.id, { id: sale.id, state: "refunded", billing_agreement_id: sale.subscriptionId });
    const inPayPalOrder = [
      subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub(), { id: "WH-R-1", at: at(2) }),
      saleEvent("PAYMENT.SALE.COMPLETED", sale, { id: "WH-R-2", at: at(3) }),
      saleEvent("PAYMENT.SALE.REFUNDED", { ...sale, subscriptionId: null }, { id: "WH-R-3", at: at(4) }),
    ];
    // Newest first, then the oldest again (a redelivery).
    for (const e of [inPayPalOrder[2]!, inPayPalOrder[1]!, inPayPalOrder[0]!, inPayPalOrder[0]!]) await deliver(e);
    const { sub: ours, entitled } = await state(customer);
    expect(ours).toMatchObject({ status: "cancelled", ended_at: at(4).toISOString() });
    expect(entitled).toBe(false);
  });

  it("payment failure is grace, suspension withdraws access, re-activation restores it (delivered shuffled)", async () => {
    const { customer, sub } = await world("I-DUNNING000001");
    const events = [
      subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub(), { id: "WH-D-1", at: at(2) }),
      subscriptionEvent("BILLING.SUBSCRIPTION.PAYMENT.FAILED", sub(), { id: "WH-D-2", at: at(3) }),
      subscriptionEvent("BILLING.SUBSCRIPTION.SUSPENDED", sub("SUSPENDED"), { id: "WH-D-3", at: at(4) }),
    ];
    for (const e of [events[1]!, events[2]!, events[0]!]) await deliver(e);
    let s = await state(customer);
    expect(s.sub.status).toBe("suspended");
    expect(s.entitled).toBe(false);
    await deliver(subscriptionEvent("BILLING.SUBSCRIPTION.RE-ACTIVATED", sub(), { id: "WH-D-4", at: at(5) }));
    s = await state(customer);
    expect(s.sub.status).toBe("active");
    expect(s.entitled).toBe(true);
    await deliver(subscriptionEvent("BILLING.SUBSCRIPTION.CANCELLED", sub("CANCELLED"), { id: "WH-D-5", at: at(6) }));
    s = await state(customer);
    expect(s.sub).toMatchObject({ status: "cancelled", ended_at: at(6).toISOString() });
    expect(s.entitled).toBe(false);
  });

  it("keeps deliveries for an unknown plan and customer, and applies them after the link and the plan's mapping", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const unmapped = "P-0UNMAPPED0000000000000000";
    const sub = activeSubscription({
      id: "I-PARKED0000001",
      planId: unmapped,
      customId: "someone-we-do-not-know",
      start: at(1),
      nextBilling: at(60 * 24 * 31),
      status: "ACTIVE",
    });
    const sale = {
      id: "7P190127TN364715T",
      subscriptionId: "I-PARKED0000001",
      amount: { total: "9.99", currency: "EUR" },
    };
    await deliver(subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub, { id: "WH-P-1", at: at(2) }));
    await deliver(saleEvent("PAYMENT.SALE.COMPLETED", sale, { id: "WH-P-2", at: at(3) }));
    expect((await state(customer)).sub).toBeUndefined();
    const statuses = async () =>
      (
        await ctx.deps.db
          .selectFrom("channel_notifications")
          .select(["vendor_event_id", "status"])
          .where("vendor_subscription_id", "=", "I-PARKED0000001")
          .orderBy("vendor_event_id")
          .execute()
      ).map((n) => [n.vendor_event_id, n.status]);
    expect(await statuses()).toEqual([
      ["WH-P-1", "parked"],
      ["WH-P-2", "parked"],
    ]);

    const linked = await ctx.services.channels.link(scope(), {
      channel: "paypal",
      storefrontId: cat.storefront,
      vendorSubscriptionId: "I-PARKED0000001",
      customerId: customer,
    });
    expect(linked.retried).toBe(2);
    expect((await state(customer)).sub).toBeUndefined();
    const mapped = await ctx.services.channels.mapProduct(scope(), {
      channel: "paypal",
      storefrontId: cat.storefront,
      vendorProductId: unmapped,
      priceId: cat.prices.yearly,
    });
    expect(mapped.retried).toBe(1);
    const { sub: ours, entitled } = await state(customer);
    expect(ours).toMatchObject({ channel: "paypal", status: "active", price: cat.prices.yearly });
    expect(entitled).toBe(true);
    // Both settled; which one the worker ran first decides which is `superseded` (no order assumed).
    expect((await statuses()).every(([, st]) => st === "applied" || st === "superseded")).toBe(true);
  });

  it("a forged delivery is kept unverified and changes nothing", async () => {
    const { customer, sub } = await world("I-FORGED0000001");
    const forged = fake.signedByForger(
      subscriptionEvent("BILLING.SUBSCRIPTION.ACTIVATED", sub(), { id: "WH-F-1", at: at(2) }),
      clock.now(),
    );
    const result = await ctx.services.channels.receive(scope(), {
      channel: "paypal",
      storefrontId: cat.storefront,
      request: forged,
      settings,
    });
    expect(result).toMatchObject({ verified: false, code: "SIGNATURE_REFUSED" });
    expect((await state(customer)).sub).toBeUndefined();
  });
});
