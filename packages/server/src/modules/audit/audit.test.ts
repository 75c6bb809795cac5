import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advance, billingCatalog, freezeAt, subscribe } from "../../../test/billing-setup.js";
import type { Json } from "../../../test/harness.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

/*
 * The audit trail through the API: what an action records (who, what, before/after, request id,
 * idempotency key), that no personal data or secret reaches it, the filters, platform reads, and
 * the lineage of a renewal that was declined and recovered by dunning.
 */

let ctx: TestContext;
let tenant: TestTenant;

beforeAll(async () => {
  ctx = await createTestApp();
  tenant = await createTestTenant(ctx, "audited");
});
afterAll(() => ctx.close());

const drain = () => ctx.services.worker.drain();
const list = async (query: string, api = tenant.api) => {
  const res = await api("GET", `/v1/audit?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: Json[]; has_more: boolean; next_cursor: string | null };
};

/** Every stored audit row as text, all columns: what must never hold personal data. */
async function allAuditText(): Promise<string> {
  const rows = await ctx.deps.db.selectFrom("audit_records").selectAll().execute();
  return JSON.stringify(rows);
}

describe("audit records", () => {
  it("records who changed what through the API, with request id, idempotency key and before/after", async () => {
    const created = await tenant.api(
      "POST",
      "/v1/entitlements",
      { key: "export", name: "Export", kind: "flag" },
      { "idempotency-key": "create-export-1", "x-request-id": "req-audit-1" },
    );
    expect(created.status).toBe(201);
    await drain();
    const updated = await tenant.api("PATCH", `/v1/entitlements/${created.body.id}`, { name: "Export PDF" });
    expect(updated.status).toBe(200);
    await drain();
    const { data } = await list(`object_id=${created.body.id}`);
    expect(data.map((r) => [r.kind, r.action])).toEqual([
      ["action", "entitlement.updated"],
      ["action", "entitlement.created"],
    ]);
    const [update, create] = data;
    expect(create).toMatchObject({
      actor: { type: "api_key" },
      request_id: "req-audit-1",
      correlation_id: "req-audit-1",
      idempotency_key: "create-export-1",
      environment: "development",
      before: null,
      after: { id: created.body.id, name: "Export" },
    });
    expect(create.event_id).toMatch(/^evt_/);
    expect(update).toMatchObject({ before: { name: "Export" }, after: { name: "Export PDF" } });
    expect(update.seq).toBeGreaterThan(create.seq);
    expect(update.prev_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps personal data and secrets out: customer fields and key secrets are redacted", async () => {
    const cat = await billingCatalog(tenant.api);
    const cus = await tenant.api("POST", "/v1/customers", {
      storefront: cat.storefront,
      external_id: "alice-ext-4711",
      email: "alice.liddell@example.com",
      name: "Alice Liddell",
      metadata: { phone: "+44 20 7946 0958" },
    });
    expect(cus.status, JSON.stringify(cus.body)).toBe(201);
    await drain();
    const patched = await tenant.api("PATCH", `/v1/customers/${cus.body.id}`, {
      name: "Alice Pleasance Liddell",
      email: "alice@wonderland.example",
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const key = await tenant.api("POST", "/v1/api-keys", { name: "ci", scopes: ["catalog:read"] });
    expect(key.status).toBe(201);
    await drain();

    const { data } = await list(`object_id=${cus.body.id}`);
    expect(data.map((r) => r.action)).toEqual(["customer.updated", "customer.created"]);
    expect(data[0].after).toMatchObject({ id: cus.body.id, email: "[redacted]", name: "[redacted]" });
    expect(data[0].before).toMatchObject({ email: "[redacted]", external_id: "[redacted]" });
    const text = await allAuditText();
    for (const secret of [
      "alice.liddell@example.com",
      "alice@wonderland.example",
      "Alice Liddell",
      "Pleasance",
      "alice-ext-4711",
      "+44 20 7946 0958",
      key.body.secret,
    ]) {
      expect(text, `"${secret}" reached the audit trail`).not.toContain(secret);
    }
    expect((await list(`object_id=${key.body.id}`)).data[0]).toMatchObject({ action: "api_key.created" });
  });

  it("filters by actor, object, action (or prefix), kind and time, and pages by cursor", async () => {
    await freezeAt(tenant.as("staging"), "2026-03-01T00:00:00.000Z");
    const staging = tenant.as("staging");
    const first = await staging("POST", "/v1/entitlements", { key: "early", name: "Early", kind: "flag" });
    await drain();
    await advance(staging, "P10D");
    const second = await staging("POST", "/v1/entitlements", { key: "late", name: "Late", kind: "flag" });
    await drain();
    const other = (await staging("POST", "/v1/api-keys", { name: "other", scopes: ["*"] })).body;
    const byOther = client(ctx, other.secret, tenant.slug);
    const third = await byOther("POST", "/v1/entitlements", { key: "other", name: "Other", kind: "flag" });
    expect([first.status, second.status, third.status]).toEqual([201, 201, 201]);
    await drain();

    const entitlementKeys = (page: { data: Json[] }) => page.data.map((r) => r.after?.key);
    expect(entitlementKeys(await list("action=entitlement.created", staging))).toEqual(["other", "late", "early"]);
    expect(entitlementKeys(await list("action=entitlement.*&kind=action", staging))).toEqual([
      "other",
      "late",
      "early",
    ]);
    expect(entitlementKeys(await list("action=entitlement.created&from=2026-03-05T00:00:00Z", staging))).toEqual([
      "other",
      "late",
    ]);
    expect(entitlementKeys(await list("action=entitlement.created&to=2026-03-05T00:00:00Z", staging))).toEqual([
      "early",
    ]);
    expect(entitlementKeys(await list(`actor=${other.id}`, staging))).toEqual(["other"]);
    expect(entitlementKeys(await list(`actor=api_key:${other.id}`, staging))).toEqual(["other"]);
    expect((await list(`actor=system:${other.id}`, staging)).data).toEqual([]);
    expect(entitlementKeys(await list(`object_id=${first.body.id}`, staging))).toEqual(["early"]);

    const page1 = await list("action=entitlement.created&limit=2", staging);
    expect(page1.has_more).toBe(true);
    const page2 = await list(`action=entitlement.created&limit=2&starting_after=${page1.next_cursor}`, staging);
    expect([...entitlementKeys(page1), ...entitlementKeys(page2)]).toEqual(["other", "late", "early"]);
    // Environments are apart: development's records are not staging's.
    expect(entitlementKeys(await list("action=entitlement.created"))).not.toContain("early");
  });

  it("records a platform key reading a tenant in that tenant's trail", async () => {
    const platform = await ctx.services.auth.createPlatformKey("support");
    const read = await client(ctx, platform.secret, undefined)("GET", `/v1/tenants/${tenant.slug}`);
    expect(read.status).toBe(200);
    const { data } = await list("action=platform.tenant.read");
    expect(data).toEqual([
      expect.objectContaining({
        kind: "action",
        actor: { type: "platform_key", id: platform.id },
        object_type: "tenant",
        object_id: tenant.id,
        environment: null,
      }),
    ]);
  });

  it("appends a change's decisions from notes on its first event, just before that event's action", async () => {
    const shop = await createTestTenant(ctx, "notes");
    await freezeAt(shop.api, "2026-06-01T00:00:00.000Z");
    const cat = await billingCatalog(shop.api);
    const sub = await subscribe(shop.api, cat, { payment_method: "pm_sandbox_ok" });
    await advance(shop.api, "P1M");
    await drain();
    // The renewal's transaction kept its decisions and outcome on its first event, redacted…
    const carrier = await ctx.deps.db
      .selectFrom("events")
      .select(["id", "type", "audit_notes"])
      .where("object_id", "=", sub.id)
      .where("audit_notes", "is not", null)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const notes = JSON.parse(carrier.audit_notes!) as Array<{ action: string; correlation_id: string }>;
    expect(notes.map((n) => n.action)).toEqual(["period_end.charge", "payment.routing", "renewal.charge"]);
    // …and the consumer appended them to the chain right before the event's own record.
    const chain = await ctx.deps.db
      .selectFrom("audit_records")
      .select(["seq", "action", "event_id", "correlation_id"])
      .where("tenant_id", "=", shop.id)
      .orderBy("seq")
      .execute();
    const at = chain.findIndex((r) => r.event_id === carrier.id);
    expect(at).toBeGreaterThanOrEqual(3);
    expect(chain.slice(at - 3, at + 1).map((r) => r.action)).toEqual([...notes.map((n) => n.action), carrier.type]);
    expect(chain.slice(at - 3, at).map((r) => r.correlation_id)).toEqual(notes.map((n) => n.correlation_id));
    // Appended once, however often the event is handed over again.
    await ctx.deps.db.updateTable("events").set({ fanned_out_at: null }).where("id", "=", carrier.id).execute();
    await ctx.services.events.afterCommit(shop.scopes.development!);
    await drain();
    const handedAgain = await ctx.deps.db
      .selectFrom("events")
      .select("fanned_out_at")
      .where("id", "=", carrier.id)
      .executeTakeFirstOrThrow();
    expect(handedAgain.fanned_out_at).not.toBeNull();
    const rerun = await ctx.deps.db
      .selectFrom("jobs")
      .select("status")
      .where("dedupe_key", "=", `events.consume:audit:${carrier.id}`)
      .executeTakeFirstOrThrow();
    expect(rerun.status).toBe("done");
    const again = await ctx.deps.db
      .selectFrom("audit_records")
      .select("action")
      .where("tenant_id", "=", shop.id)
      .where("action", "=", "renewal.charge")
      .execute();
    expect(again).toHaveLength(1);
    expect((await ctx.services.audit.verify(shop.id)).every((r) => r.ok)).toBe(true);
  });

  it("completes a note from its event, and still appends notes kept as whole records (before 4 December)", async () => {
    const shop = await createTestTenant(ctx, "legacy-notes");
    const scope = shop.scopes.development!;
    const cat = await billingCatalog(shop.api);
    await drain();
    const created = await shop.api("POST", "/v1/customers", {
      storefront: cat.storefront,
      external_id: "legacy-1",
      email: "l@example.com",
    });
    expect(created.status).toBe(201);
    const carrier = await ctx.deps.db
      .selectFrom("events")
      .select(["id", "type", "actor", "created_at"])
      .where("object_id", "=", created.body.id)
      .executeTakeFirstOrThrow();
    const legacy = {
      tenant_id: shop.id,
      environment_id: scope.environmentId,
      kind: "decision",
      action: "legacy.whole_record",
      object_type: "customer",
      object_id: created.body.id,
      actor: JSON.stringify({ type: "system", id: "system" }),
      request_id: null,
      idempotency_key: null,
      correlation_id: "corr_legacy",
      causation_id: null,
      event_id: null,
      before: null,
      after: null,
      reason: "kept whole",
      data: JSON.stringify({ a: 1 }),
      created_at: "2026-01-01T00:00:00.000Z",
    };
    const compact = {
      kind: "decision",
      action: "compact.note",
      object_type: "customer",
      object_id: created.body.id,
      before: null,
      after: null,
      reason: "from its event",
      data: { b: 2 },
      correlation_id: "corr_compact",
      causation_id: null,
    };
    // Not consumed yet (consumers run in jobs): the notes are set as a change would have written them.
    await ctx.deps.db
      .updateTable("events")
      .set({ audit_notes: JSON.stringify([legacy, compact]) })
      .where("id", "=", carrier.id)
      .execute();
    await drain();
    const chain = await ctx.deps.db
      .selectFrom("audit_records")
      .selectAll()
      .where("tenant_id", "=", shop.id)
      .orderBy("seq")
      .execute();
    const at = chain.findIndex((r) => r.event_id === carrier.id);
    expect(chain.slice(at - 2, at + 1).map((r) => r.action)).toEqual([
      "legacy.whole_record",
      "compact.note",
      carrier.type,
    ]);
    expect(chain[at - 2]).toMatchObject({ created_at: legacy.created_at, data: legacy.data, reason: "kept whole" });
    // The compact note's who and when are its event's.
    expect(chain[at - 1]).toMatchObject({
      actor: carrier.actor,
      created_at: carrier.created_at,
      correlation_id: "corr_compact",
      data: JSON.stringify({ b: 2 }),
      environment_id: scope.environmentId,
    });
    expect((await ctx.services.audit.verify(shop.id)).every((r) => r.ok)).toBe(true);
  });

  it("shows a renewal's lineage: declined charge → dunning → retry → recovery, under one correlation id", async () => {
    const shop = await createTestTenant(ctx, "lineage");
    await freezeAt(shop.api, "2026-06-01T00:00:00.000Z");
    const cat = await billingCatalog(shop.api);
    const sub = await subscribe(shop.api, cat, { payment_method: "pm_sandbox_ok_then_decline" });
    await advance(shop.api, "P1M");
    expect((await shop.api("GET", `/v1/subscriptions/${sub.id}`)).body.status).toBe("grace");
    const fixed = await shop.api("POST", `/v1/subscriptions/${sub.id}/payment-method`, {
      payment_method: "pm_sandbox_ok",
    });
    expect(fixed.status).toBe(200);
    await advance(shop.api, "P1D");
    expect((await shop.api("GET", `/v1/subscriptions/${sub.id}`)).body.status).toBe("active");
    await drain();

    const charge = (await list("action=renewal.charge", shop.api)).data;
    expect(charge).toHaveLength(1);
    expect(charge[0]).toMatchObject({ kind: "outcome", object_id: sub.id, data: { status: "failed" } });
    const correlation = charge[0].correlation_id as string;
    expect(correlation).toMatch(/^job_/);

    const res = await shop.api("GET", `/v1/audit/lineage/${correlation}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const steps = res.body.data.map((r: Json) => [r.kind, r.action]);
    const decisions = steps.filter(([kind]: string[]) => kind !== "action");
    expect(decisions).toEqual([
      ["decision", "period_end.charge"],
      ["decision", "payment.routing"],
      ["outcome", "renewal.charge"],
      ["decision", "dunning.start"],
      ["decision", "payment.routing"],
      ["outcome", "dunning.retry"],
      ["outcome", "dunning.recovered"],
    ]);
    const routing = res.body.data.find((r: Json) => r.action === "payment.routing");
    expect(routing).toMatchObject({ object_type: "payment", data: { providers: ["sandbox"], chosen: "sandbox" } });
    // The changes they led to are in the same lineage, as actions of the jobs that made them.
    // customer.entitlements_updated is left out: the entitlement push records it under the lineage
    // of whichever event's consume job first sees the change, which depends on how the worker
    // interleaves consumers (adding the invoicing consumer changed it), not on billing.
    const actions = res.body.data.filter(
      (r: Json) => r.kind === "action" && r.action !== "customer.entitlements_updated",
    );
    expect(actions.map((r: Json) => r.action)).toEqual([
      "payment.failed",
      "subscription.grace_started",
      "payment.succeeded",
      "subscription.recovered",
    ]);
    expect(actions.every((r: Json) => r.actor?.type === "system")).toBe(true);
    expect(res.body.data.every((r: Json) => r.correlation_id === correlation)).toBe(true);
    const retry = res.body.data.find((r: Json) => r.action === "dunning.retry");
    expect(retry.data).toMatchObject({ status: "succeeded", attempt: 2 });
    // Unknown (or another tenant's) correlation ids are not found.
    expect((await tenant.api("GET", `/v1/audit/lineage/${correlation}`)).status).toBe(404);
    const [report] = await ctx.services.audit.verify(shop.id);
    expect(report).toMatchObject({ ok: true });
  });

  it("has no record a plain SQL text search could not find a personal field in", async () => {
    // Belt and braces for the redaction test above, on the raw column text of both dialects.
    const hits = await ctx.deps.db
      .selectFrom("audit_records")
      .select("id")
      .where(sql<boolean>`coalesce(${sql.ref("after")}, '') like ${"%@example.com%"}`)
      .execute();
    expect(hits).toEqual([]);
  });

  it("appends an object's changes in event order even when their jobs run in the other order", async () => {
    const created = await tenant.api("POST", "/v1/entitlements", { key: "ordered", name: "v1", kind: "flag" });
    await drain();
    await tenant.api("PATCH", `/v1/entitlements/${created.body.id}`, { name: "v2" });
    await tenant.api("PATCH", `/v1/entitlements/${created.body.id}`, { name: "v3" });
    // Fan out only: one consume job per event, not run yet.
    await ctx.services.worker.drain({ maxJobs: 1 });
    const events = await ctx.deps.db
      .selectFrom("events")
      .select("id")
      .where("object_id", "=", created.body.id)
      .where("type", "=", "entitlement.updated")
      .orderBy("id")
      .execute();
    expect(events).toHaveLength(2);
    const firstJob = ctx.deps.db
      .updateTable("jobs")
      .where("type", "=", "events.consume")
      .where("payload", "like", `%"consumer":"audit"%`)
      .where("payload", "like", `%${events[0]!.id}%`);
    // The first change's job is held back: the second's runs first.
    expect(Number((await firstJob.set({ run_at: "2999-01-01T00:00:00.000Z" }).executeTakeFirst()).numUpdatedRows)).toBe(
      1,
    );
    await drain();
    await firstJob.set({ run_at: "2000-01-01T00:00:00.000Z" }).execute();
    await drain();

    const { data } = await list(`object_id=${created.body.id}`);
    const updates = data.filter((r) => r.action === "entitlement.updated").reverse();
    expect(updates.map((r) => r.event_id)).toEqual(events.map((e) => e.id));
    expect(updates[0].seq).toBeLessThan(updates[1].seq);
    expect(updates.map((r) => [r.before?.name, r.after?.name])).toEqual([
      ["v1", "v2"],
      ["v2", "v3"],
    ]);
    const reports = await ctx.services.audit.verify(tenant.id);
    expect(reports.every((r) => r.ok)).toBe(true);
  });
});
