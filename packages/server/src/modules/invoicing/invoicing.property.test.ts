import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, freezeAt, newCustomer, paymentsOf } from "../../../test/billing-setup.js";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, dialect, type TestContext, type TestTenant } from "../../../test/harness.js";
import { setLegalEntity } from "../../../test/invoicing-setup.js";

/*
 * Random subscription histories under the test clock — trials, renewals, plan changes now (with
 * proration) or at period end, declines and recoveries through the payment method, retries,
 * partial and full refunds — and then, for every customer:
 *   captured − refunded = invoiced − credited,
 * and every captured charge has exactly one invoice (and nothing else has one). The books are read
 * through the API only, after the worker has fed every event to the invoicing consumer.
 */

const PAYING = ["pm_sandbox_ok", "pm_sandbox_timeout", "pm_sandbox_ok_then_decline"];
const TOKENS = [...PAYING, "pm_sandbox_declined", "pm_sandbox_declined_hard"];
const COUNTRIES = ["DE", "AT", "FR", "US", "TR"];

const op = fc.oneof(
  fc.record({ op: fc.constant("advance" as const), by: fc.constantFrom("P1D", "P4D", "P8D", "P17D", "P1M", "P2M") }),
  fc.record({
    op: fc.constant("change" as const),
    price: fc.constantFrom("premium", "cheap", "yearly"),
    now: fc.boolean(),
  }),
  // An upgrade now is the one change that charges a proration: drawn more often.
  fc.constant({ op: "change" as const, price: "premium" as const, now: true }),
  // Declines and recoveries: a paying card as often as all the declining ones together.
  fc.record({
    op: fc.constant("pm" as const),
    pm: fc.constantFrom("pm_sandbox_ok", "pm_sandbox_ok", "pm_sandbox_ok", ...TOKENS),
  }),
  fc.record({ op: fc.constant("retry" as const) }),
  fc.record({ op: fc.constant("refund" as const), which: fc.nat(), part: fc.constantFrom(0.25, 0.5, 1) }),
);

const history = fc.record({
  // Mostly paid at once with a card that keeps paying, so upgrades charge their proration.
  trial: fc.constantFrom(false, false, true),
  pm: fc.constantFrom("pm_sandbox_ok", "pm_sandbox_ok", ...PAYING),
  country: fc.constantFrom(...COUNTRIES),
  ops: fc.array(op, { minLength: 2, maxLength: 9 }),
  // Tax-exclusive prices: billing charges net + tax, and the books must balance all the same.
  net: fc.boolean(),
});

describe("invoicing property: the books of random subscription histories balance", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let catalog: BillingCatalog;
  let net: { monthly: string; premium: string };

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    catalog = await billingCatalog(acme.api, { retryDays: [1, 3] });
    await freezeAt(acme.api, "2026-01-05T09:00:00.000Z");
    await setLegalEntity(acme.api, catalog.storefront);
    const exclusive = async (bundle: string, amount: number) => {
      const res = await acme.api("POST", `/v1/bundles/${bundle}/prices`, {
        currency: "EUR",
        amount,
        interval: "month",
        tax_behavior: "exclusive",
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    net = {
      monthly: await exclusive(catalog.bundles.pro, 839),
      premium: await exclusive(catalog.bundles.premium, 1679),
    };
  });
  afterAll(() => ctx.close());

  it("captured − refunded = invoiced − credited per customer; one invoice per captured charge", async () => {
    const api = acme.api;
    const seen = { invoices: 0, notes: 0, prorations: 0, taxed: 0 };
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        const customer = await newCustomer(api, catalog.storefront);
        await api("PUT", `/v1/customers/${customer}/billing-details`, {
          name: "Property Person",
          address: { line1: "Street 1", city: "City", country: h.country },
        });
        const sub = await api("POST", "/v1/subscriptions", {
          customer,
          price: h.trial ? catalog.prices.trial : h.net ? net.monthly : catalog.prices.monthly,
          payment_method: h.pm,
        });
        expect(sub.status).toBe(201);
        const id = sub.body.id as string;
        for (const o of h.ops) {
          if (o.op === "advance") await api("POST", "/v1/test-clocks/advance", { by: o.by });
          else if (o.op === "change") {
            await api("POST", `/v1/subscriptions/${id}/change-plan`, {
              price: h.net && o.price === "premium" ? net.premium : catalog.prices[o.price],
              proration: o.now ? "now" : "period_end",
            });
          } else if (o.op === "pm")
            await api("POST", `/v1/subscriptions/${id}/payment-method`, { payment_method: o.pm });
          else if (o.op === "retry") await api("POST", `/v1/subscriptions/${id}/retry`);
          else {
            const paid = (await paymentsOf(api, id)).filter((p) => p.status === "succeeded");
            const p = paid[o.which % Math.max(paid.length, 1)];
            if (p) {
              const left = p.amount - p.refunded_amount;
              const amount = Math.max(1, Math.floor(left * o.part));
              await api("POST", `/v1/payments/${p.id}/refund`, { amount });
            }
          }
        }
        await api("POST", `/v1/subscriptions/${id}/cancel`, { at_period_end: false });
        await ctx.services.worker.drain();

        const payments = (await api("GET", `/v1/payments?customer=${customer}&limit=100`)).body.data as Json[];
        const captured = payments.filter(
          (p) => (p.status === "succeeded" || p.status === "refunded") && p.failure_code !== "abandoned",
        );
        const invoices = (await api("GET", `/v1/invoices?customer=${customer}&limit=100`)).body.data as Json[];
        const notes = (await api("GET", `/v1/credit-notes?customer=${customer}&limit=100`)).body.data as Json[];
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        expect(invoices.map((i) => i.payment).sort()).toEqual(captured.map((p) => p.id).sort());
        expect(
          sum(captured.map((p) => p.amount)) - sum(captured.map((p) => p.refunded_amount)),
          JSON.stringify({ captured, invoices: invoices.map((i) => i.total), notes: notes.map((n) => n.total) }),
        ).toBe(sum(invoices.map((i) => i.total)) - sum(notes.map((n) => n.total)));
        seen.invoices += invoices.length;
        seen.notes += notes.length;
        seen.prorations += invoices.filter((i) => i.lines[0].kind === "proration").length;
        seen.taxed += captured.filter((p) => p.tax && p.tax.amount > 0).length;
        for (const inv of invoices) {
          const payment = captured.find((p) => p.id === inv.payment)!;
          expect(inv.total).toBe(payment.amount);
          expect(inv.credited_amount).toBe(payment.refunded_amount);
        }
      }),
      {
        numRuns: Number(process.env.PROPERTY_RUNS ?? (dialect === "sqlite" ? 12 : 6)),
        ...(process.env.PROPERTY_SEED === "random" ? {} : { seed: Number(process.env.PROPERTY_SEED ?? 20261204) }),
      },
    );
    // The histories reached what they are about: renewals, prorations, refunds.
    expect(seen.invoices).toBeGreaterThan(seen.notes);
    expect(seen.notes).toBeGreaterThan(0);
    expect(seen.prorations).toBeGreaterThan(0);
    expect(seen.taxed).toBeGreaterThan(0);
  }, 300_000);
});
