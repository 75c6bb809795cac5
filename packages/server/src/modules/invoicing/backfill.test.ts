import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../test/billing-setup.js";
import { saxonAvailable, validateEn16931 } from "../../../test/en16931.js";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { setLegalEntity } from "../../../test/invoicing-setup.js";

const DAY_MS = 86_400_000;

describe("invoicing: charges captured before the storefront had a legal entity (POST /v1/invoices/backfill)", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let catalog: BillingCatalog;
  const paid: Json[] = [];

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    catalog = await billingCatalog(acme.api);
    // Three charges, one a day, before any legal entity; the second is then partly refunded.
    for (let i = 0; i < 3; i++) {
      const customer = await newCustomer(acme.api, catalog.storefront);
      const sub = await acme.api("POST", "/v1/subscriptions", {
        customer,
        price: catalog.prices.monthly,
        payment_method: "pm_sandbox_ok",
      });
      expect(sub.status).toBe(201);
      paid.push(sub.body.latest_payment);
      ctx.clock.advance(DAY_MS);
    }
    expect((await acme.api("POST", `/v1/payments/${paid[1]!.id}/refund`, { amount: 300 })).status).toBe(200);
    await ctx.services.worker.drain();
  });
  afterAll(() => ctx.close());

  const invoicesOf = async (payment: string) =>
    (await acme.api("GET", `/v1/invoices?payment=${payment}`)).body.data as Json[];

  it("issues nothing by itself, and needs a legal entity to backfill", async () => {
    for (const p of paid) expect(await invoicesOf(p.id)).toEqual([]);
    const res = await acme.api("POST", "/v1/invoices/backfill", { storefront: catalog.storefront });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("LEGAL_ENTITY_REQUIRED");
    // Setting the legal entity does not invoice the old charges either: the merchant decides.
    await setLegalEntity(acme.api, catalog.storefront);
    await ctx.services.worker.drain();
    for (const p of paid) expect(await invoicesOf(p.id)).toEqual([]);
  });

  it("refuses bad input and other tenants' storefronts", async () => {
    const unknown = await acme.api("POST", "/v1/invoices/backfill", { storefront: catalog.storefront, all: true });
    expect(unknown.status).toBe(400);
    const limit = await acme.api("POST", "/v1/invoices/backfill", { storefront: catalog.storefront, limit: 0 });
    expect(limit.status).toBe(400);
    const other = await createTestTenant(ctx, "globex");
    const theirs = await other.api("POST", "/v1/invoices/backfill", { storefront: catalog.storefront });
    expect(theirs.status).toBe(404);
  });

  it("a dry run lists the uninvoiced charges oldest first; `since` leaves earlier ones out", async () => {
    const dry = await acme.api("POST", "/v1/invoices/backfill", { storefront: catalog.storefront, dry_run: true });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body).toMatchObject({
      object: "invoice_backfill",
      dry_run: true,
      payments: paid.map((p) => p.id),
      invoices: [],
      has_more: false,
    });
    for (const p of paid) expect(await invoicesOf(p.id)).toEqual([]);
    const since = await acme.api("POST", "/v1/invoices/backfill", {
      storefront: catalog.storefront,
      dry_run: true,
      since: paid[1]!.created_at,
    });
    expect(since.body.payments).toEqual([paid[1]!.id, paid[2]!.id]);
  });

  it("invoices them in batches, once each even when called twice at once, with the refund's credit note", async () => {
    const first = await acme.api("POST", "/v1/invoices/backfill", { storefront: catalog.storefront, limit: 1 });
    expect(first.body).toMatchObject({ payments: [paid[0]!.id], has_more: true });
    expect(first.body.invoices).toHaveLength(1);
    const [a, b] = await Promise.all([
      acme.api("POST", "/v1/invoices/backfill", { storefront: catalog.storefront }),
      acme.api("POST", "/v1/invoices/backfill", { storefront: catalog.storefront }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    for (const p of paid) expect(await invoicesOf(p.id)).toHaveLength(1);
    const again = await acme.api("POST", "/v1/invoices/backfill", { storefront: catalog.storefront });
    expect(again.body).toMatchObject({ payments: [], invoices: [], has_more: false });

    // Numbered in the order of the charges, dated today, naming the day each was paid and its period.
    const docs = await Promise.all(paid.map(async (p) => (await invoicesOf(p.id))[0]!));
    expect(docs.map((d) => d.sequence)).toEqual([1, 2, 3]);
    const today = new Date(ctx.clock.now()).toISOString().slice(0, 10);
    docs.forEach((d, i) => {
      expect(d.issue_date).toBe(today);
      expect(d.notes).toContain(`Payment received on ${paid[i]!.created_at.slice(0, 10)}.`);
      expect(d.lines[0].period_start.slice(0, 10)).toBe(paid[i]!.created_at.slice(0, 10));
    });
    const notes = (await acme.api("GET", `/v1/credit-notes?payment=${paid[1]!.id}`)).body.data;
    expect(notes.map((n: Json) => [n.total, n.invoice])).toEqual([[300, docs[1]!.id]]);

    if (!saxonAvailable() && !process.env.CI) return;
    const xml: Record<string, string> = {};
    for (const d of docs) {
      const res = await ctx.app.request(`/v1/invoices/${d.id}.xml`, {
        headers: { authorization: `Bearer ${acme.keys.development}`, "x-tn": acme.slug },
      });
      xml[d.id] = await res.text();
    }
    for (const [id, r] of Object.entries(validateEn16931(xml))) expect(r.fatal, `${id}:\n${xml[id]}`).toEqual([]);
  }, 60_000);
});
