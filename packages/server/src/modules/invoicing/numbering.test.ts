import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../test/billing-setup.js";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { setLegalEntity } from "../../../test/invoicing-setup.js";
import { createServices } from "../../services.js";

/*
 * Gapless numbering under concurrency: two workers (two service instances, each with its own
 * worker id, on the same database) consume the payment events while the same payments are also
 * invoiced directly from both, twice over. On Postgres they run truly in parallel on the pool; on
 * SQLite one transaction writes at a time. Every payment must end with exactly one invoice and
 * the numbers must be 1…N with no gap: the losers' rolled-back numbers are given back.
 */
describe("invoicing: gapless numbers under two concurrent workers", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let catalog: BillingCatalog;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    catalog = await billingCatalog(acme.api);
    await setLegalEntity(acme.api, catalog.storefront, { invoice_series: "NUM", numbering_reset: "never" });
  });
  afterAll(() => ctx.close());

  it("hands out 1…N once each, whoever wins each race", async () => {
    const N = 12;
    const payments: Json[] = [];
    for (let i = 0; i < N; i++) {
      const customer = await newCustomer(acme.api, catalog.storefront);
      const sub = await acme.api("POST", "/v1/subscriptions", {
        customer,
        price: catalog.prices.monthly,
        payment_method: "pm_sandbox_ok",
      });
      expect(sub.status).toBe(201);
      payments.push(sub.body.latest_payment);
    }
    const second = createServices(ctx.deps);
    const scope = acme.scopes.development!;
    await Promise.all([
      ctx.services.worker.drain(),
      second.worker.drain(),
      ...payments.map((p) => ctx.services.invoicing.issueInvoice(scope, p)),
      ...payments.map((p) => second.invoicing.issueInvoice(scope, p)),
    ]);
    await Promise.all([ctx.services.worker.drain(), second.worker.drain()]);

    const invoices = (await acme.api("GET", "/v1/invoices?limit=100")).body.data as Json[];
    expect(invoices.map((i) => i.payment).sort()).toEqual(payments.map((p) => p.id).sort());
    expect(invoices.map((i) => i.sequence).sort((a, b) => a - b)).toEqual([...Array(N).keys()].map((k) => k + 1));
    expect(invoices.every((i) => /^NUM-\d{6}$/.test(i.number))).toBe(true);
    const issued = (await acme.api("GET", "/v1/events?type=invoice.issued&limit=100")).body.data;
    expect(issued).toHaveLength(N);
  }, 120_000);
});
