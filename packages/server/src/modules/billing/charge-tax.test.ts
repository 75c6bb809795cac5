import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, freezeAt, newCustomer, paymentsOf } from "../../../test/billing-setup.js";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { setLegalEntity } from "../../../test/invoicing-setup.js";
import { type FakeStripe, startFakeStripe } from "../payments/providers/stripe/fake-stripe.js";

/*
 * Tax-exclusive prices are charged net + tax (issue #12): on every charge path the payment is what
 * the invoice totals, so captured − refunded = invoiced − credited holds; the tax decision is kept
 * on the payment and in the audit trail. A German VAT-registered seller throughout.
 */
describe("billing: tax-exclusive prices are charged net + tax", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let catalog: BillingCatalog;
  let stripe: FakeStripe;
  let net: string;
  let netPremium: string;

  const DE = { name: "Max", address: { line1: "Weg 1", city: "Berlin", country: "DE" } };

  async function newPrice(bundle: string, body: Record<string, unknown>): Promise<string> {
    const res = await acme.api("POST", `/v1/bundles/${bundle}/prices`, { currency: "EUR", interval: "month", ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id;
  }

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    stripe = await startFakeStripe();
    await freezeAt(acme.api, "2026-03-02T09:00:00.000Z");
    catalog = await billingCatalog(acme.api, { retryDays: [1, 3] });
    await setLegalEntity(acme.api, catalog.storefront);
    net = await newPrice(catalog.bundles.pro, { amount: 1000, tax_behavior: "exclusive" });
    netPremium = await newPrice(catalog.bundles.premium, { amount: 2000, tax_behavior: "exclusive" });
  });
  afterAll(async () => {
    await stripe?.close();
    await ctx?.close();
  });

  async function customerWith(details: Record<string, unknown> | null, storefront = catalog.storefront) {
    const customer = await newCustomer(acme.api, storefront);
    if (details) {
      const res = await acme.api("PUT", `/v1/customers/${customer}/billing-details`, details);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    return customer;
  }

  async function subscribe(details: Record<string, unknown> | null, price: string, pm = "pm_sandbox_ok") {
    const customer = await customerWith(details);
    const sub = await acme.api("POST", "/v1/subscriptions", { customer, price, payment_method: pm });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    await ctx.services.worker.drain();
    return { customer, id: sub.body.id as string, body: sub.body };
  }

  async function invoiceOf(payment: string): Promise<Json> {
    await ctx.services.worker.drain();
    const list = await acme.api("GET", `/v1/invoices?payment=${payment}`);
    expect(list.body.data).toHaveLength(1);
    return list.body.data[0];
  }

  /** captured − refunded = invoiced − credited, and every invoice totals its payment. */
  async function booksBalance(customer: string) {
    await ctx.services.worker.drain();
    const payments = (await acme.api("GET", `/v1/payments?customer=${customer}&limit=100`)).body.data as Json[];
    const captured = payments.filter((p) => p.status === "succeeded" || p.status === "refunded");
    const invoices = (await acme.api("GET", `/v1/invoices?customer=${customer}&limit=100`)).body.data as Json[];
    const notes = (await acme.api("GET", `/v1/credit-notes?customer=${customer}&limit=100`)).body.data as Json[];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(invoices).toHaveLength(captured.length);
    for (const inv of invoices) {
      const p = captured.find((c) => c.id === inv.payment)!;
      expect([inv.total, inv.amount_paid, inv.amount_due]).toEqual([p.amount, p.amount, 0]);
    }
    expect(sum(captured.map((p) => p.amount - p.refunded_amount))).toBe(
      sum(invoices.map((i) => i.total)) - sum(notes.map((n) => n.total)),
    );
  }

  it("a consumer in a VAT country pays net + tax; the invoice totals the payment and keeps its decision", async () => {
    const { customer, body } = await subscribe(DE, net);
    const payment = body.latest_payment;
    expect(payment).toMatchObject({
      amount: 1190,
      status: "succeeded",
      tax: { amount: 190, decision: { rule: "domestic", category: "S", rate: "19" } },
    });
    const inv = await invoiceOf(payment.id);
    expect(inv.lines[0]).toMatchObject({ net_amount: 1000, tax_rate: "19", tax: { rule: "domestic" } });
    expect([inv.net_total, inv.tax_total, inv.total, inv.amount_paid, inv.amount_due]).toEqual([
      1000, 190, 1190, 1190, 0,
    ]);
    // OSS in another member state: that country's rate on the net, rounded as the invoice rounds.
    const fr = await subscribe({ name: "Ada", address: { line1: "Rue 1", city: "Paris", country: "FR" } }, net);
    expect(fr.body.latest_payment).toMatchObject({ amount: 1200, tax: { amount: 200, decision: { rule: "oss_b2c" } } });
    expect((await invoiceOf(fr.body.latest_payment.id)).total).toBe(1200);
    // The decision is in the creation's audit lineage (rule, rate, country).
    const audit = await acme.api("GET", `/v1/audit?action=payment.tax&object_id=${payment.id}`);
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({ data: { rule: "domestic", rate: "19", country: "DE", tax: 190 } });
    await booksBalance(customer);
  });

  it("a discount comes off the net before the tax: payment = discounted net + tax, the invoice shows both lines", async () => {
    const coupon = await acme.api("POST", "/v1/coupons", { name: "Quarter", duration: "once", percent_off: 25 });
    expect(coupon.status, JSON.stringify(coupon.body)).toBe(201);
    const customer = await customerWith(DE);
    const sub = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: net,
      payment_method: "pm_sandbox_ok",
      coupon: coupon.body.id,
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    // 1000 net − 250 = 750 net; 19 % of 750 = 142.50 → 143 (half away from zero).
    expect(sub.body.latest_payment).toMatchObject({ amount: 893, tax: { amount: 143 } });
    const inv = await invoiceOf(sub.body.latest_payment.id);
    expect(inv.lines.map((l: Json) => [l.kind, l.net_amount])).toEqual([
      ["subscription", 1000],
      ["discount", -250],
    ]);
    expect([inv.net_total, inv.tax_total, inv.total, inv.amount_due]).toEqual([750, 143, 893, 0]);
  });

  it("adds nothing for an EU business with a VAT id (reverse charge) nor for an export", async () => {
    const b2b = await subscribe(
      {
        type: "business",
        name: "Ada SARL",
        address: { line1: "Rue 1", city: "Paris", country: "FR" },
        vat_id: "FR12345678901",
      },
      net,
    );
    expect(b2b.body.latest_payment).toMatchObject({
      amount: 1000,
      tax: { amount: 0, decision: { rule: "eu_b2b_reverse_charge", category: "AE" } },
    });
    const b2bInvoice = await invoiceOf(b2b.body.latest_payment.id);
    expect([b2bInvoice.total, b2bInvoice.amount_due]).toEqual([1000, 0]);
    const us = await subscribe({ name: "Sam", address: { line1: "1 Main St", city: "Austin", country: "US" } }, net);
    expect(us.body.latest_payment).toMatchObject({ amount: 1000, tax: { amount: 0, decision: { rule: "export" } } });
    expect((await invoiceOf(us.body.latest_payment.id)).total).toBe(1000);
  });

  it("leaves tax-inclusive prices and storefronts without a legal entity unchanged", async () => {
    const gross = await subscribe(DE, catalog.prices.monthly);
    expect(gross.body.latest_payment).toMatchObject({ amount: 999, tax: null });
    const inv = await invoiceOf(gross.body.latest_payment.id);
    expect([inv.net_total, inv.tax_total, inv.total]).toEqual([839, 160, 999]);
    // A storefront that does not invoice charges the price as it is, exclusive or not.
    const plain = await billingCatalog(acme.api);
    const plainNet = await newPrice(plain.bundles.pro, { amount: 1000, tax_behavior: "exclusive" });
    const customer = await customerWith(DE, plain.storefront);
    const sub = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: plainNet,
      payment_method: "pm_sandbox_ok",
    });
    expect(sub.status).toBe(201);
    expect(sub.body.latest_payment).toMatchObject({ amount: 1000, tax: null });
  });

  it("renewals, proration and refunds keep the books equal; the decision is in the audit trail", async () => {
    const { customer, id } = await subscribe(DE, net);
    const moved = await acme.api("POST", "/v1/test-clocks/advance", { by: "P1M" });
    expect(moved.status).toBe(200);
    await ctx.services.worker.drain();
    const renewals = (await paymentsOf(acme.api, id)).filter((p) => p.kind === "renewal");
    expect(renewals).toHaveLength(1);
    expect(renewals[0]).toMatchObject({ amount: 1190, status: "succeeded", tax: { amount: 190 } });

    await acme.api("POST", "/v1/test-clocks/advance", { by: "P10D" });
    const up = await acme.api("POST", `/v1/subscriptions/${id}/change-plan`, { price: netPremium, proration: "now" });
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    const proration = (await paymentsOf(acme.api, id)).find((p) => p.kind === "proration")!;
    expect(proration.tax.decision).toMatchObject({ rule: "domestic", rate: "19" });
    const prorationNet = proration.amount - proration.tax.amount;
    expect(prorationNet).toBeGreaterThan(0);
    expect(proration.tax.amount).toBe(Math.round(prorationNet * 0.19));
    expect((await invoiceOf(proration.id)).total).toBe(proration.amount);

    expect((await acme.api("POST", `/v1/payments/${renewals[0].id}/refund`, { amount: 333 })).status).toBe(200);
    expect((await acme.api("POST", `/v1/payments/${proration.id}/refund`, {})).status).toBe(200);
    await booksBalance(customer);

    const audit = await acme.api("GET", `/v1/audit?action=payment.tax&object_id=${renewals[0].id}`);
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    expect(audit.body.data[0]).toMatchObject({
      kind: "decision",
      data: { rule: "domestic", rate: "19", country: "DE", net: 1000, tax: 190 },
    });
  });

  it("refuses to prorate now between a tax-inclusive and a tax-exclusive price (the period end is fine)", async () => {
    const { id } = await subscribe(DE, catalog.prices.monthly);
    const now = await acme.api("POST", `/v1/subscriptions/${id}/change-plan`, { price: netPremium, proration: "now" });
    expect(now).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED", errors: [{ path: "proration" }] } });
    expect((await paymentsOf(acme.api, id)).filter((p) => p.kind === "proration")).toEqual([]);
    const later = await acme.api("POST", `/v1/subscriptions/${id}/change-plan`, {
      price: netPremium,
      proration: "period_end",
    });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
  });

  it("a dunning retry charges the failed attempt's amount, tax included", async () => {
    const { customer, id } = await subscribe(DE, net, "pm_sandbox_ok_then_decline");
    await acme.api("POST", "/v1/test-clocks/advance", { by: "P1M" });
    await ctx.services.worker.drain();
    expect((await acme.api("GET", `/v1/subscriptions/${id}`)).body.status).toBe("grace");
    await acme.api("POST", `/v1/subscriptions/${id}/payment-method`, { payment_method: "pm_sandbox_ok" });
    await acme.api("POST", "/v1/test-clocks/advance", { by: "P1D" });
    await ctx.services.worker.drain();
    const renewals = (await paymentsOf(acme.api, id)).filter((p) => p.kind === "renewal");
    expect(renewals.length).toBeGreaterThan(1);
    expect(renewals.map((p) => [p.amount, p.tax?.amount])).toEqual(renewals.map(() => [1190, 190]));
    expect(renewals.at(-1)!.status).toBe("succeeded");
    await booksBalance(customer);
  });

  it("3-D Secure: the waiting first payment is net + tax, and completing it creates the subscription", async () => {
    const cat = await billingCatalog(acme.api, {
      providers: [
        {
          name: "stripe",
          config: { api_base: stripe.url },
          credentials: { secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret },
        },
      ],
    });
    await setLegalEntity(acme.api, cat.storefront);
    const price = await newPrice(cat.bundles.pro, { amount: 1000, tax_behavior: "exclusive" });
    const customer = await customerWith(DE, cat.storefront);
    const body = {
      customer,
      price,
      payment_method: "pm_card_threeDSecure2Required",
      return_url: "https://shop.example/return",
    };
    const first = await acme.api("POST", "/v1/subscriptions", body);
    expect(first.body).toMatchObject({ code: "PAYMENT_ACTION_REQUIRED" });
    const waiting = (await acme.api("GET", `/v1/payments/${first.body.payment}`)).body;
    expect(waiting).toMatchObject({ amount: 1190, tax: { amount: 190 } });
    await stripe.authenticate(waiting.provider_reference);
    const done = await acme.api("POST", "/v1/subscriptions", { ...body, payment: first.body.payment });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body.latest_payment).toMatchObject({ id: waiting.id, amount: 1190, status: "succeeded" });
    expect((await invoiceOf(waiting.id)).total).toBe(1190);
  });
});
