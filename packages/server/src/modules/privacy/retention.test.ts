import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { type Receiver, startReceiver } from "../../../test/webhook-receiver.js";
import { newId } from "../../lib/ids.js";
import { setupCatalog } from "../entitlements/test-setup.js";

const DAY = 24 * 60 * 60_000;

describe("retention", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let rx: Receiver;

  beforeAll(async () => {
    ctx = await createTestApp({}, { webhooks: { allowPrivateAddresses: true } });
    acme = await createTestTenant(ctx, "acme");
    rx = await startReceiver(() => ({ status: 200, body: "ok" }));
  });
  afterAll(async () => {
    await rx.close();
    await ctx.close();
  });

  const count = async (
    table: "webhook_deliveries" | "webhook_attempts" | "events" | "usage_records" | "usage_counters",
  ) =>
    Number(
      (
        await ctx.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .where("environment_id", "=", acme.scopes.development!.environmentId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("starts with every rule off, and validates what is set", async () => {
    const policy = (await acme.api("GET", "/v1/retention-policy")).body;
    expect(policy).toEqual({
      object: "retention_policy",
      webhook_delivery_log_days: null,
      channel_raw_days: null,
      usage_record_days: null,
      event_days: null,
      anonymize_after_months: null,
      updated_at: null,
    });
    expect((await acme.api("PATCH", "/v1/retention-policy", { event_days: 3 })).status).toBe(400);
    expect((await acme.api("PATCH", "/v1/retention-policy", { usage_record_days: 0 })).status).toBe(400);
    expect((await acme.api("PATCH", "/v1/retention-policy", { audit_days: 30 })).status).toBe(400);
    // Nothing set: a run changes nothing and says so.
    const run = await acme.api("POST", "/v1/retention-runs");
    expect(run.status).toBe(201);
    expect(run.body.report).toEqual({ export_archives_expired: 0 });
  });

  it("applies each rule to what is older than its limit, anonymizes ended customers, and reports", async () => {
    await acme.api("POST", "/v1/webhook-endpoints", { url: rx.url, enabled_events: ["*"] });
    const catalog = await billingCatalog(acme.api);
    const { storefront } = await setupCatalog(acme.api, "quota-user");
    const usageCustomer = (await acme.api("POST", "/v1/customers", { storefront: storefront.id, external_id: "u-1" }))
      .body.id;
    await acme.api("POST", `/v1/customers/${usageCustomer}/grants`, {
      entitlement: "api-calls",
      limit: 100,
      reason: "t",
    });
    await acme.api("POST", `/v1/customers/${usageCustomer}/usage`, { entitlement: "api-calls", quantity: 3 });
    // A customer whose subscription ends now, one whose subscription goes on.
    const gone = (
      await acme.api("POST", "/v1/customers", {
        storefront: catalog.storefront,
        external_id: "gone",
        email: "gone@example.com",
      })
    ).body.id;
    const goneSub = (
      await acme.api("POST", "/v1/subscriptions", {
        customer: gone,
        price: catalog.prices.monthly,
        payment_method: "pm_sandbox_ok",
      })
    ).body.id;
    await acme.api("POST", `/v1/subscriptions/${goneSub}/cancel`, { at_period_end: false });
    const staying = (
      await acme.api("POST", "/v1/customers", {
        storefront: catalog.storefront,
        external_id: "stay",
        email: "stay@example.com",
      })
    ).body.id;
    await acme.api("POST", "/v1/subscriptions", {
      customer: staying,
      price: catalog.prices.yearly,
      payment_method: "pm_sandbox_ok",
    });
    const scope = acme.scopes.development!;
    const notification = newId("channel_notification");
    const now = ctx.clock.now().toISOString();
    await ctx.deps.db
      .insertInto("channel_notifications")
      .values({
        id: notification,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        storefront_id: catalog.storefront,
        channel: "telecom",
        vendor_event_id: "old-1",
        vendor_subscription_id: "v-1",
        vendor_type: "RENEWED",
        vendor_subtype: null,
        event: "external_renewed",
        occurred_at: now,
        sequence: null,
        product_id: null,
        customer_hint: null,
        period_start: null,
        period_end: null,
        raw: '{"subscriber":"491700000001"}',
        verified: 1,
        status: "applied",
        detail: null,
        link_id: null,
        subscription_id: null,
        changes: null,
        received_at: now,
        applied_at: now,
      })
      .execute();
    await ctx.services.worker.drain();
    const deliveriesBefore = await count("webhook_deliveries");
    const eventsBefore = await count("events");
    expect(deliveriesBefore).toBeGreaterThan(0);
    expect(await count("usage_records")).toBe(1);

    const policy = await acme.api("PATCH", "/v1/retention-policy", {
      webhook_delivery_log_days: 30,
      channel_raw_days: 30,
      usage_record_days: 90,
      event_days: 30,
      anonymize_after_months: 3,
    });
    expect(policy.status).toBe(200);
    expect(policy.body).toMatchObject({ event_days: 30, anonymize_after_months: 3, updated_at: expect.any(String) });

    // 40 days on: logs, raw bodies and events are past their 30 days; usage (90) and the customer (3 months) are not.
    ctx.clock.advance(40 * DAY);
    const first = (await acme.api("POST", "/v1/retention-runs")).body;
    expect(first.report).toMatchObject({
      webhook_delivery_logs: deliveriesBefore,
      channel_raw: 1,
      usage_records: 0,
      customers_anonymized: 0,
    });
    expect(first.report.events).toBe(eventsBefore);
    expect(await count("webhook_deliveries")).toBe(0);
    expect(await count("webhook_attempts")).toBe(0);
    const raw = await ctx.deps.db
      .selectFrom("channel_notifications")
      .select(["raw", "event"])
      .where("id", "=", notification)
      .executeTakeFirstOrThrow();
    expect(raw).toEqual({ raw: "{}", event: "external_renewed" });
    expect(await count("usage_records")).toBe(1);
    expect((await acme.api("GET", `/v1/customers/${gone}`)).body.email).toBe("gone@example.com");

    // 100 days after the cancellation: usage records go (counters stay), the ended customer is erased.
    ctx.clock.advance(60 * DAY);
    const second = (await acme.api("POST", "/v1/retention-runs")).body;
    expect(second.report).toMatchObject({ usage_records: 1, customers_anonymized: 1 });
    expect(await count("usage_records")).toBe(0);
    expect(await count("usage_counters")).toBe(1);
    expect((await acme.api("GET", `/v1/customers/${gone}`)).body).toMatchObject({
      email: null,
      external_id: `erased_${gone}`,
    });
    expect((await acme.api("GET", `/v1/customers/${staying}`)).body.email).toBe("stay@example.com");
    // Erased once: the next run does not count it again.
    const third = (await acme.api("POST", "/v1/retention-runs")).body;
    expect(third.report.customers_anonymized).toBe(0);

    const runs = (await acme.api("GET", "/v1/retention-runs")).body.data;
    expect(runs.map((r: { id: string }) => r.id).slice(0, 3)).toEqual([third.id, second.id, first.id]);
    const applied = (await acme.api("GET", `/v1/events?object_id=${second.id}`)).body.data;
    expect(applied.map((e: { type: string }) => e.type)).toEqual(["retention.applied"]);
  });

  it("runs daily from the worker for every environment with a policy", async () => {
    const before = (await acme.api("GET", "/v1/retention-runs")).body.data.length;
    await ctx.services.retention.scheduleSweep();
    await ctx.services.worker.drain();
    const after = (await acme.api("GET", "/v1/retention-runs")).body.data;
    expect(after.length).toBe(before + 1);
    // The next sweep is due tomorrow, not again today.
    await ctx.services.worker.drain();
    expect((await acme.api("GET", "/v1/retention-runs")).body.data.length).toBe(before + 1);
    ctx.clock.advance(DAY + 60_000);
    await ctx.services.worker.drain();
    expect((await acme.api("GET", "/v1/retention-runs")).body.data.length).toBe(before + 2);
  });
});
