import { existsSync, readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { type Receiver, startReceiver } from "../../../test/webhook-receiver.js";
import { randomSecret } from "../../lib/crypto.js";
import { newId } from "../../lib/ids.js";

const token = () => randomSecret(9).replace(/[^A-Za-z0-9]/g, "x");

/**
 * Export and erasure through the API, across modules: the customer's profile, subscription,
 * payment, grant, channel link and notification, events and webhook logs.
 */
describe("privacy requests", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let other: TestTenant;
  let rx: Receiver;
  let catalog: BillingCatalog;
  let catalogEntitlement: string;

  beforeAll(async () => {
    ctx = await createTestApp({}, { webhooks: { allowPrivateAddresses: true } });
    acme = await createTestTenant(ctx, "acme");
    other = await createTestTenant(ctx, "other");
    // A receiver that echoes what it was sent: its answers are kept in the delivery log.
    rx = await startReceiver((r) => ({ status: 200, body: r.body }));
    await acme.api("POST", "/v1/webhook-endpoints", { url: rx.url, enabled_events: ["*"] });
    catalog = await billingCatalog(acme.api);
    catalogEntitlement = (await acme.api("GET", "/v1/entitlements?limit=1")).body.data[0].key;
  });
  afterAll(async () => {
    await rx.close();
    await ctx.close();
  });

  /** A customer with personal data in every module that can hold it; 12-digit MSISDN (never card-shaped). */
  async function person() {
    const email = `p-${token().toLowerCase()}@example.com`;
    const name = `Name${token()}`;
    const msisdn = `4917${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    const external = `ext-${token()}`;
    const cus = await acme.api("POST", "/v1/customers", {
      storefront: catalog.storefront,
      external_id: external,
      email,
      name,
      metadata: { msisdn },
    });
    expect(cus.status).toBe(201);
    const id = cus.body.id as string;
    const sub = await acme.api("POST", "/v1/subscriptions", {
      customer: id,
      price: catalog.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect(sub.status).toBe(201);
    await acme.api("POST", `/v1/customers/${id}/grants`, {
      entitlement: catalogEntitlement,
      reason: `goodwill for ${name}`,
    });
    // A carrier link and its notification, as a telecom channel keeps them (the MSISDN names the subscriber).
    const scope = acme.scopes.development!;
    const now = ctx.clock.now().toISOString();
    const linkId = newId("channel_link");
    await ctx.deps.db
      .insertInto("channel_links")
      .values({
        id: linkId,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        channel: "telecom",
        vendor_subscription_id: `carrier-${token()}`,
        vendor_customer_id: msisdn,
        storefront_id: catalog.storefront,
        customer_id: id,
        subscription_id: null,
        last_occurred_at: null,
        last_sequence: null,
        version: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await ctx.deps.db
      .insertInto("channel_notifications")
      .values({
        id: newId("channel_notification"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        storefront_id: catalog.storefront,
        channel: "telecom",
        vendor_event_id: `evt-${token()}`,
        vendor_subscription_id: null,
        vendor_type: "SUBSCRIBED",
        vendor_subtype: null,
        event: null,
        occurred_at: now,
        sequence: null,
        product_id: null,
        customer_hint: msisdn,
        period_start: null,
        period_end: null,
        raw: JSON.stringify({ msisdn, email, name }),
        verified: 1,
        status: "applied",
        detail: null,
        link_id: linkId,
        subscription_id: null,
        changes: null,
        received_at: now,
        applied_at: now,
      })
      .execute();
    await ctx.services.worker.drain();
    return { id, email, name, msisdn, external, subscription: sub.body.id as string, linkId };
  }

  /** Every value of every table of the database, as text, per table. */
  async function dumpAllTables(): Promise<Record<string, string>> {
    const db = ctx.deps.db;
    const tables =
      ctx.deps.dialect === "postgres"
        ? (
            await sql<{ name: string }>`
              select table_name as name from information_schema.tables
              where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
          ).rows
        : (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows;
    const out: Record<string, string> = {};
    for (const { name: table } of tables) {
      out[table] = JSON.stringify((await sql`select * from ${sql.table(table)}`.execute(db)).rows);
    }
    return out;
  }

  function sqliteBytes(): Buffer {
    const file = ctx.database.description.slice("sqlite:".length);
    return Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
  }

  it("exports everything about the customer as one archive, downloadable once", async () => {
    const p = await person();
    const requested = await acme.api("POST", `/v1/customers/${p.id}/privacy/export`);
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({
      object: "privacy_request",
      kind: "export",
      status: "pending",
      customer: p.id,
    });
    const id = requested.body.id as string;
    // Not ready before the job ran.
    const early = await acme.api("GET", `/v1/privacy-requests/${id}/archive`);
    expect(early.status).toBe(410);
    expect(early.body.code).toBe("EXPORT_NOT_AVAILABLE");

    await ctx.services.worker.drain();
    const ready = await acme.api("GET", `/v1/privacy-requests/${id}`);
    expect(ready.body).toMatchObject({
      status: "ready",
      completed_at: expect.any(String),
      expires_at: expect.any(String),
    });
    const events = (await acme.api("GET", `/v1/events?object_id=${id}`)).body.data;
    expect(events.map((e: { type: string }) => e.type)).toEqual(["customer.privacy_export_ready"]);
    // Another tenant cannot see nor take it.
    expect((await other.api("GET", `/v1/privacy-requests/${id}/archive`)).status).toBe(404);
    // Stored sealed: the database holds no readable copy of the archive.
    const row = await ctx.deps.db
      .selectFrom("privacy_requests")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.archive_encrypted).not.toContain(p.email);

    const download = await acme.api("GET", `/v1/privacy-requests/${id}/archive`);
    expect(download.status).toBe(200);
    expect(download.headers.get("cache-control")).toBe("no-store");
    const archive = download.body;
    expect(archive).toMatchObject({ format: "tessera.privacy-export/1", customer: p.id });
    const m = archive.modules;
    expect(m.customers.profile).toMatchObject({
      id: p.id,
      email: p.email,
      name: p.name,
      metadata: { msisdn: p.msisdn },
    });
    expect(m.subscriptions.subscriptions.map((s: { id: string }) => s.id)).toEqual([p.subscription]);
    expect(m.payments.payments).toHaveLength(1);
    expect(m.payments.payments[0]).toMatchObject({ customer_id: p.id, amount: 999, currency: "EUR" });
    expect(m.entitlements.grants).toHaveLength(1);
    expect(m.channels.links).toMatchObject([{ id: p.linkId, vendor_customer_id: p.msisdn }]);
    expect(m.channels.notifications).toHaveLength(1);
    // Events about the customer with the personal fields opened, and about their subscription.
    const types = m.events.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(["customer.created", "subscription.created", "payment.succeeded"]));
    const created = m.events.events.find((e: { type: string }) => e.type === "customer.created");
    expect(created.object.email).toBe(p.email);
    expect(m.webhooks.deliveries.length).toBeGreaterThan(0);
    expect(m.audit.records.length).toBeGreaterThan(0);
    expect(m.privacy.requests.map((r: { id: string }) => r.id)).toEqual([id]);
    expect(Object.keys(m).sort()).toEqual([...new Set(ctx.services.privacy.coverage().values())].sort());

    // Once.
    const again = await acme.api("GET", `/v1/privacy-requests/${id}/archive`);
    expect(again.status).toBe(410);
    const after = await ctx.deps.db
      .selectFrom("privacy_requests")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: "downloaded", archive_encrypted: null });
  });

  it("an archive not downloaded in time expires", async () => {
    const p = await person();
    const id = (await acme.api("POST", `/v1/customers/${p.id}/privacy/export`)).body.id as string;
    await ctx.services.worker.drain();
    ctx.clock.advance(8 * 24 * 60 * 60_000);
    const late = await acme.api("GET", `/v1/privacy-requests/${id}/archive`);
    expect(late.status).toBe(410);
    expect((await acme.api("GET", `/v1/privacy-requests/${id}`)).body.status).toBe("expired");
  });

  it("refuses to erase a customer with an active subscription unless asked to cancel it", async () => {
    const p = await person();
    const refused = await acme.api("POST", `/v1/customers/${p.id}/privacy/erase`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("CUSTOMER_HAS_ACTIVE_SUBSCRIPTIONS");
    expect(refused.body.errors[0].message).toContain(p.subscription);
    expect((await acme.api("GET", `/v1/customers/${p.id}`)).body.email).toBe(p.email);
    const bad = await acme.api("POST", `/v1/customers/${p.id}/privacy/erase`, { active_subscriptions: "maybe" });
    expect(bad.status).toBe(400);
    const unknown = await acme.api("POST", `/v1/customers/${p.id}/privacy/erase`, { everything: true });
    expect(unknown.status).toBe(400);
    expect((await other.api("POST", `/v1/customers/${p.id}/privacy/erase`, {})).status).toBe(404);
  });

  it("erases the email, name and MSISDN everywhere, keeps payments, unlinks channels", async () => {
    const p = await person();
    // A pending export would otherwise hold a copy once built.
    await acme.api("POST", `/v1/customers/${p.id}/privacy/export`);
    const holding = (dump: Record<string, string>, needle: string) =>
      Object.keys(dump).filter((table) => dump[table]!.includes(needle));
    const before = await dumpAllTables();
    for (const needle of [p.email, p.name, p.msisdn]) expect(holding(before, needle).length).toBeGreaterThan(0);

    const erased = await acme.api("POST", `/v1/customers/${p.id}/privacy/erase`, { active_subscriptions: "cancel" });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ object: "privacy_request", kind: "erase", status: "completed" });
    expect(erased.body.report.customers).toMatchObject({ customers: 1 });
    expect(erased.body.report.channels).toMatchObject({ channel_links: 1 });
    await ctx.services.worker.drain();

    const after = await dumpAllTables();
    for (const needle of [p.email, p.name, p.msisdn, p.external]) expect(holding(after, needle), needle).toEqual([]);
    if (ctx.deps.dialect === "sqlite") {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(ctx.deps.db);
      const bytes = sqliteBytes();
      for (const needle of [p.email, p.name, p.msisdn, p.external])
        expect(bytes.includes(Buffer.from(needle)), needle).toBe(false);
    }

    // The subscription was cancelled first; the payment is kept, naming the customer by id.
    const sub = (await acme.api("GET", `/v1/subscriptions/${p.subscription}`)).body;
    expect(sub.status).toBe("cancelled");
    const payments = (await acme.api("GET", `/v1/payments?customer=${p.id}`)).body.data;
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ amount: 999, currency: "EUR", status: "succeeded" });
    const link = await ctx.deps.db
      .selectFrom("channel_links")
      .selectAll()
      .where("id", "=", p.linkId)
      .executeTakeFirstOrThrow();
    expect(link).toMatchObject({ customer_id: null, vendor_customer_id: null, subscription_id: null });
    // The audit trail still verifies (nothing in it was rewritten).
    const [audit] = await ctx.services.audit.verify(acme.id);
    expect(audit).toMatchObject({ ok: true, problems: [] });
    const events = (await acme.api("GET", `/v1/events?object_id=${erased.body.id}`)).body.data;
    expect(events.map((e: { type: string }) => e.type)).toEqual(["customer.erased"]);
    // The pending export was abandoned with its would-be archive.
    const requests = (await acme.api("GET", `/v1/customers/${p.id}/privacy/requests`)).body.data;
    expect(requests.map((r: { kind: string; status: string }) => `${r.kind}:${r.status}`)).toEqual([
      "erase:completed",
      "export:expired",
    ]);
  });

  it("an export whose archive cannot be built ends failed after its last attempt, never pending for ever", async () => {
    const p = await person();
    const id = (await acme.api("POST", `/v1/customers/${p.id}/privacy/export`)).body.id as string;
    await ctx.deps.db
      .updateTable("jobs")
      .set({ max_attempts: 1 })
      .where("type", "=", "privacy.export")
      .where("status", "=", "pending")
      .execute();
    // A module whose export breaks (registered for this test, the last of the file).
    ctx.services.privacy.register({
      module: "broken",
      tables: [],
      export: async () => {
        throw new Error("export broke");
      },
      erase: async () => ({}),
    });
    await ctx.services.worker.drain();
    expect((await acme.api("GET", `/v1/privacy-requests/${id}`)).body).toMatchObject({ status: "failed" });
    expect((await acme.api("GET", `/v1/privacy-requests/${id}/archive`)).status).toBe(410);
  });
});
