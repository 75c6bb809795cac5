import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advance,
  type BillingCatalog,
  billingCatalog,
  eventsOf,
  freezeAt,
  paymentsOf,
  subscribe,
} from "../../../test/billing-setup.js";
import {
  createTestApp,
  createTestTenant,
  type Json,
  type TestContext,
  type TestTenant,
} from "../../../test/harness.js";
import { enqueueJob } from "../../jobs/queue.js";

/*
 * Price migrations over simulated time, each test in an environment of its own (its own test clock).
 * Subscriptions start on 2026-03-01 on the monthly 9.99 price; the new price is 12.99 a month.
 */

describe("price changes for existing subscribers", () => {
  let ctx: TestContext;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  async function world() {
    const tenant: TestTenant = await createTestTenant(ctx, `price-changes-${++n}`);
    const api = tenant.api;
    await freezeAt(api, "2026-03-01T00:00:00.000Z");
    const cat: BillingCatalog = await billingCatalog(api);
    const res = await api("POST", `/v1/bundles/${cat.bundles.pro}/prices`, {
      currency: "EUR",
      amount: 1299,
      interval: "month",
    });
    expect(res.status).toBe(201);
    return { api, cat, newPrice: res.body.id as string };
  }
  const drain = () => ctx.services.worker.drain();
  const get = async (api: TestTenant["api"], id: string) => (await api("GET", `/v1/subscriptions/${id}`)).body;
  const amounts = async (api: TestTenant["api"], id: string) =>
    (await paymentsOf(api, id)).map((p: Json) => [p.period_index, p.amount, p.status]);
  const changesOf = async (api: TestTenant["api"], migration: string) =>
    (await api("GET", `/v1/price-migrations/${migration}/changes?limit=100`)).body.data as Json[];
  const types = async (api: TestTenant["api"], id: string) =>
    (await eventsOf(api, id)).map((e: Json) => e.type as string).filter((t) => t.includes("price_change"));

  async function migrate(api: TestTenant["api"], cat: BillingCatalog, body: Record<string, unknown>) {
    const res = await api("POST", `/v1/prices/${cat.prices.monthly}/migrations`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await drain();
    const m = await api("GET", `/v1/price-migrations/${res.body.id}`);
    expect(m.body.status).toBe("completed");
    return m.body;
  }

  it("notify: the new price applies from the first renewal at least notice_days ahead, not before", async () => {
    const { api, cat, newPrice } = await world();
    const sub = await subscribe(api, cat, {});
    const m = await migrate(api, cat, { to_price: newPrice, strategy: "notify", notice_days: 45 });
    expect(m).toMatchObject({ strategy: "notify", notice_days: 45, counts: { scheduled: 1, skipped: 0 } });

    // 45 days from March 1st is April 15th: the renewal of May 1st is the first one far enough.
    const pending = await get(api, sub.id);
    expect(pending.pending_price_change).toMatchObject({
      migration: m.id,
      price: newPrice,
      effective_at: "2026-05-01T00:00:00.000Z",
      consent: "not_required",
    });
    expect(await types(api, sub.id)).toEqual(["subscription.price_change_scheduled"]);

    await advance(api, "P2M");
    await drain();
    expect(await amounts(api, sub.id)).toEqual([
      [1, 999, "succeeded"],
      [2, 999, "succeeded"],
      [3, 1299, "succeeded"],
    ]);
    const after = await get(api, sub.id);
    expect(after).toMatchObject({ price: newPrice, pending_price_change: null, period_index: 3 });
    expect(await types(api, sub.id)).toEqual([
      "subscription.price_change_scheduled",
      "subscription.price_change_applied",
    ]);
    expect((await changesOf(api, m.id)).map((c) => [c.subscription, c.status])).toEqual([[sub.id, "applied"]]);

    // Applied once: the next renewal stays on the new price, nothing is pending.
    await advance(api, "P1M");
    expect((await amounts(api, sub.id)).at(-1)).toEqual([4, 1299, "succeeded"]);

    // The notice carries its effective date; the decisions are in the audit trail.
    const scheduled = (await eventsOf(api, sub.id)).find((e: Json) => e.type === "subscription.price_change_scheduled");
    expect(scheduled.data.object.pending_price_change.effective_at).toBe("2026-05-01T00:00:00.000Z");
    expect(scheduled.correlation_id).toBe(m.id);
    const audit = (await api("GET", `/v1/audit?object_id=${sub.id}&action=price_change.*&limit=100`)).body.data;
    expect(audit.map((r: Json) => r.action).sort()).toEqual(["price_change.apply", "price_change.scheduled"]);

    // The customer's export has the change.
    const exported = await api("POST", `/v1/customers/${sub.customer}/privacy/export`);
    await drain();
    const archive = (await api("GET", `/v1/privacy-requests/${exported.body.id}/archive`)).body;
    expect(archive.modules["price-changes"].subscription_price_changes).toEqual([
      expect.objectContaining({ subscription_id: sub.id, status: "applied", to_price_id: newPrice }),
    ]);
  });

  it("reaches only the subscribers of the storefront it names", async () => {
    const { api, cat, newPrice } = await world();
    const app = await api("POST", "/v1/storefronts", {
      key: `app-${n}`,
      name: "App",
      type: "web",
      bundles: [cat.bundles.pro],
      payment_providers: [{ name: "sandbox" }],
    });
    expect(app.status).toBe(201);
    const web = await subscribe(api, cat, {});
    const customer = await api("POST", "/v1/customers", { storefront: app.body.id, external_id: `app-user-${n}` });
    const other = await api("POST", "/v1/subscriptions", {
      customer: customer.body.id,
      price: cat.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect(other.status).toBe(201);
    const m = await migrate(api, cat, { to_price: newPrice, strategy: "notify", storefront: app.body.id });
    expect(m.storefront).toBe(app.body.id);
    expect((await changesOf(api, m.id)).map((c) => c.subscription)).toEqual([other.body.id]);
    expect((await get(api, web.id)).pending_price_change).toBeNull();
  });

  it("grandfather: subscribers are recorded and keep the old price", async () => {
    const { api, cat, newPrice } = await world();
    const sub = await subscribe(api, cat, {});
    const m = await migrate(api, cat, { to_price: newPrice, strategy: "grandfather" });
    expect(m.counts).toEqual({ scheduled: 0, awaiting_consent: 0, grandfathered: 1, skipped: 0 });
    expect((await get(api, sub.id)).pending_price_change).toBeNull();
    await advance(api, "P2M");
    expect((await amounts(api, sub.id)).map((p: Json[]) => p[1])).toEqual([999, 999, 999]);
    expect((await changesOf(api, m.id))[0]).toMatchObject({ subscription: sub.id, status: "grandfathered" });
  });

  it("require_consent: a consent is recorded in the consent history and the new price applies at the renewal", async () => {
    const { api, cat, newPrice } = await world();
    const sub = await subscribe(api, cat, {});
    const m = await migrate(api, cat, {
      to_price: newPrice,
      strategy: "require_consent",
      notice_days: 10,
      text_version: "price-2026-03",
    });
    expect((await get(api, sub.id)).pending_price_change).toMatchObject({
      effective_at: "2026-04-01T00:00:00.000Z",
      consent: "required",
      on_no_consent: "cancel",
      text_version: "price-2026-03",
    });

    const wrong = await api("POST", `/v1/subscriptions/${sub.id}/price-change/consent`, {
      text_version: "price-2025",
      method: "web_form",
    });
    expect(wrong.status).toBe(400);
    await advance(api, "P5D");
    const yes = await api("POST", `/v1/subscriptions/${sub.id}/price-change/consent`, {
      text_version: "price-2026-03",
      method: "web_form",
    });
    expect(yes.status).toBe(200);
    expect(yes.body.pending_price_change.consent).toBe("given");
    // The same answer again records nothing more.
    await api("POST", `/v1/subscriptions/${sub.id}/price-change/consent`, {
      text_version: "price-2026-03",
      method: "web_form",
    });
    const history = (await api("GET", `/v1/customers/${sub.customer}/consents/history?purpose=price_change`)).body;
    expect(history.data).toHaveLength(1);
    expect(history.data[0]).toMatchObject({
      purpose: "price_change",
      status: "granted",
      text_version: "price-2026-03",
      metadata: { subscription: sub.id, to_price: newPrice },
    });

    await advance(api, "P1M");
    await drain();
    expect((await amounts(api, sub.id)).map((p: Json[]) => p[1])).toEqual([999, 1299]);
    expect(await types(api, sub.id)).toEqual([
      "subscription.price_change_scheduled",
      "subscription.price_change_consented",
      "subscription.price_change_applied",
    ]);
    expect((await changesOf(api, m.id))[0]).toMatchObject({ status: "applied", consent: history.data[0].id });
  });

  it("require_consent without consent by the renewal: cancelled at the period end, nothing charged", async () => {
    const { api, cat, newPrice } = await world();
    const sub = await subscribe(api, cat, {});
    const m = await migrate(api, cat, {
      to_price: newPrice,
      strategy: "require_consent",
      notice_days: 10,
      text_version: "v1",
    });
    await advance(api, "P1M");
    await drain();
    const after = await get(api, sub.id);
    expect(after).toMatchObject({
      status: "cancelled",
      ended_at: "2026-04-01T00:00:00.000Z",
      price: cat.prices.monthly,
    });
    expect(after.status_history.at(-1)).toMatchObject({ status: "cancelled", reason: "price_change_not_consented" });
    expect(await amounts(api, sub.id)).toEqual([[1, 999, "succeeded"]]);
    expect((await changesOf(api, m.id))[0]).toMatchObject({
      status: "expired",
      reason: "no consent by the renewal: cancelled at the period end",
    });
    // Past its renewal the change can no longer be answered.
    const late = await api("POST", `/v1/subscriptions/${sub.id}/price-change/consent`, {
      text_version: "v1",
      method: "app",
    });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("PRICE_CHANGE_NOT_AWAITING_CONSENT");
  });

  it("require_consent with on_no_consent keep: a decline is recorded and the subscription renews on the old price", async () => {
    const { api, cat, newPrice } = await world();
    const sub = await subscribe(api, cat, {});
    const m = await migrate(api, cat, {
      to_price: newPrice,
      strategy: "require_consent",
      notice_days: 10,
      on_no_consent: "keep",
      text_version: "v1",
    });
    const no = await api("POST", `/v1/subscriptions/${sub.id}/price-change/decline`, {
      text_version: "v1",
      method: "app",
    });
    expect(no.status).toBe(200);
    expect(no.body.pending_price_change.consent).toBe("declined");
    const current = (await api("GET", `/v1/customers/${sub.customer}/consents`)).body.current;
    expect(current.price_change).toMatchObject({ status: "withdrawn", text_version: "v1" });

    await advance(api, "P2M");
    await drain();
    expect(await get(api, sub.id)).toMatchObject({
      status: "active",
      price: cat.prices.monthly,
      pending_price_change: null,
    });
    expect((await amounts(api, sub.id)).map((p: Json[]) => p[1])).toEqual([999, 999, 999]);
    expect(await types(api, sub.id)).toEqual([
      "subscription.price_change_scheduled",
      "subscription.price_change_declined",
      "subscription.price_change_expired",
    ]);
    expect((await changesOf(api, m.id))[0]).toMatchObject({
      status: "expired",
      reason: "the customer declined: kept on the old price",
    });
  });

  it("a trial converts on the new price; a subscription cancelled before its change was due is marked so", async () => {
    const { api, cat } = await world();
    const raised = await api("POST", `/v1/bundles/${cat.bundles.pro}/prices`, {
      currency: "EUR",
      amount: 1299,
      interval: "month",
      trial_days: 14,
    });
    const trial = await subscribe(api, cat, { price: cat.prices.trial });
    const gone = await subscribe(api, cat, { price: cat.prices.trial });
    const res = await api("POST", `/v1/prices/${cat.prices.trial}/migrations`, {
      to_price: raised.body.id,
      strategy: "notify",
      notice_days: 7,
    });
    expect(res.status).toBe(201);
    await drain();
    expect((await get(api, trial.id)).pending_price_change.effective_at).toBe("2026-03-15T00:00:00.000Z");
    expect((await api("POST", `/v1/subscriptions/${gone.id}/cancel`, { at_period_end: false })).status).toBe(200);
    await advance(api, "P14D");
    await drain();
    expect(await get(api, trial.id)).toMatchObject({ status: "active", price: raised.body.id });
    expect(await amounts(api, trial.id)).toEqual([[1, 1299, "succeeded"]]);
    const changes = await changesOf(api, res.body.id);
    expect(changes.find((c) => c.subscription === trial.id)).toMatchObject({ status: "applied" });
    expect(changes.find((c) => c.subscription === gone.id)).toMatchObject({ status: "cancelled" });
    expect((await get(api, gone.id)).pending_price_change).toBeNull();
  });

  it("the customer's own plan change wins over a pending price change", async () => {
    const { api, cat, newPrice } = await world();
    const sub = await subscribe(api, cat, {});
    const m = await migrate(api, cat, { to_price: newPrice, strategy: "notify", notice_days: 0 });
    await advance(api, "P10D");
    const up = await api("POST", `/v1/subscriptions/${sub.id}/change-plan`, {
      price: cat.prices.premium,
      proration: "now",
    });
    expect(up.status).toBe(200);
    await advance(api, "P1M");
    await drain();
    expect(await get(api, sub.id)).toMatchObject({ price: cat.prices.premium, pending_price_change: null });
    expect((await amounts(api, sub.id)).at(-1)).toEqual([2, 1999, "succeeded"]);
    expect((await changesOf(api, m.id))[0]).toMatchObject({
      status: "expired",
      reason: "superseded by the customer's own plan change",
    });
  });

  it("a consent racing the renewal either makes it in (new price) or is refused (cancelled), never half", async () => {
    const { api, cat, newPrice } = await world();
    const sub = await subscribe(api, cat, {});
    const m = await migrate(api, cat, {
      to_price: newPrice,
      strategy: "require_consent",
      notice_days: 0,
      text_version: "v1",
    });
    await advance(api, "P30D");
    const [, answer] = await Promise.all([
      advance(api, "P2D"),
      api("POST", `/v1/subscriptions/${sub.id}/price-change/consent`, { text_version: "v1", method: "app" }),
    ]);
    await drain();
    const after = await get(api, sub.id);
    const [change] = await changesOf(api, m.id);
    if (answer.status === 200) {
      expect(after).toMatchObject({ status: "active", price: newPrice });
      expect(await amounts(api, sub.id)).toEqual([
        [1, 999, "succeeded"],
        [2, 1299, "succeeded"],
      ]);
      expect(change.status).toBe("applied");
    } else {
      expect(answer.body.code).toBe("PRICE_CHANGE_NOT_AWAITING_CONSENT");
      expect(after).toMatchObject({ status: "cancelled", price: cat.prices.monthly });
      expect(await amounts(api, sub.id)).toEqual([[1, 999, "succeeded"]]);
      expect(change.status).toBe("expired");
    }
  });

  it("a dry run lists affected and skipped subscriptions and changes nothing", async () => {
    const { api, cat, newPrice } = await world();
    const a = await subscribe(api, cat, {});
    const ending = await subscribe(api, cat, {});
    expect((await api("POST", `/v1/subscriptions/${ending.id}/cancel`, { at_period_end: true })).status).toBe(200);
    const other = await subscribe(api, cat, { price: cat.prices.yearly });
    const res = await api("POST", `/v1/prices/${cat.prices.monthly}/migrations`, {
      to_price: newPrice,
      strategy: "notify",
      notice_days: 0,
      dry_run: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      object: "price_migration_preview",
      affected_count: 1,
      skipped_count: 1,
      affected: [{ subscription: a.id, customer: a.customer, effective_at: "2026-04-01T00:00:00.000Z" }],
    });
    expect(res.body.skipped).toEqual([{ subscription: ending.id, reason: expect.stringMatching(/^cancel_scheduled/) }]);
    expect(res.body.affected.map((x: Json) => x.subscription)).not.toContain(other.id);
    await drain();
    expect((await get(api, a.id)).pending_price_change).toBeNull();
    expect((await api("GET", "/v1/price-migrations")).body.data).toEqual([]);
  });

  it("moves a subscription once when two migrations of its price race, and a re-run of a migration changes nothing", async () => {
    const { api, cat, newPrice } = await world();
    const subs = [await subscribe(api, cat, {}), await subscribe(api, cat, {}), await subscribe(api, cat, {})];
    const [one, two] = await Promise.all([
      api("POST", `/v1/prices/${cat.prices.monthly}/migrations`, { to_price: newPrice, strategy: "notify" }),
      api("POST", `/v1/prices/${cat.prices.monthly}/migrations`, { to_price: cat.prices.cheap, strategy: "notify" }),
    ]);
    expect([one.status, two.status]).toEqual([201, 201]);
    await Promise.all([drain(), drain()]);
    const all = [...(await changesOf(api, one.body.id)), ...(await changesOf(api, two.body.id))];
    for (const sub of subs) {
      const rows = all.filter((c) => c.subscription === sub.id);
      expect(rows.map((c) => c.status).sort()).toEqual(["scheduled", "skipped"]);
      const kept = rows.find((c) => c.status === "scheduled")!;
      expect((await get(api, sub.id)).pending_price_change).toMatchObject({ id: kept.id, price: kept.to_price });
      expect(await types(api, sub.id)).toEqual(["subscription.price_change_scheduled"]);
    }

    // A run that died before saving its cursor runs again from the start: nothing moves twice.
    await ctx.deps.db
      .updateTable("price_migrations")
      .set({ status: "running", cursor: null, completed_at: null })
      .where("id", "=", one.body.id)
      .execute();
    expect((await api("GET", `/v1/price-migrations/${one.body.id}`)).body.status).toBe("running");
    const env = await ctx.deps.db
      .selectFrom("price_migrations")
      .select(["tenant_id", "environment_id", "created_at"])
      .where("id", "=", one.body.id)
      .executeTakeFirstOrThrow();
    await enqueueJob(ctx.deps.db, env.created_at, {
      type: "price_migration.run",
      payload: { migration: one.body.id },
      runAt: env.created_at,
      scope: { tenantId: env.tenant_id, environmentId: env.environment_id },
    });
    await drain();
    expect((await api("GET", `/v1/price-migrations/${one.body.id}`)).body.status).toBe("completed");
    expect(await changesOf(api, one.body.id)).toHaveLength(3);
    for (const sub of subs) expect(await types(api, sub.id)).toEqual(["subscription.price_change_scheduled"]);
  });

  it("refuses a new price of another bundle or currency, and consent fields for other strategies", async () => {
    const { api, cat, newPrice } = await world();
    const post = (body: Record<string, unknown>) => api("POST", `/v1/prices/${cat.prices.monthly}/migrations`, body);
    const bad = [
      await post({ to_price: cat.prices.premium, strategy: "notify" }),
      await post({ to_price: cat.prices.usd, strategy: "notify" }),
      await post({ to_price: cat.prices.monthly, strategy: "notify" }),
      await post({ to_price: newPrice, strategy: "require_consent" }),
      await post({ to_price: newPrice, strategy: "notify", on_no_consent: "keep" }),
      await post({ to_price: newPrice, strategy: "grandfather", notice_days: 3 }),
      await post({ to_price: "price_missing", strategy: "notify" }),
    ];
    expect(bad.map((r) => [r.status, r.body.errors?.[0]?.path])).toEqual([
      [400, "to_price"],
      [400, "to_price"],
      [400, "to_price"],
      [400, "text_version"],
      [400, "on_no_consent"],
      [400, "notice_days"],
      [400, "to_price"],
    ]);
    expect(
      (await api("POST", "/v1/prices/price_missing/migrations", { to_price: newPrice, strategy: "notify" })).status,
    ).toBe(404);
    const sub = await subscribe(api, cat, {});
    const none = await api("POST", `/v1/subscriptions/${sub.id}/price-change/decline`, {
      text_version: "v",
      method: "app",
    });
    expect(none.status).toBe(409);
    expect(none.body.code).toBe("PRICE_CHANGE_NOT_AWAITING_CONSENT");
  });
});
