import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../../../test/billing-setup.js";
import { pdfText } from "../../../../../test/en16931.js";
import type { Json } from "../../../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../../../test/harness.js";
import { type FakeNilvera, startFakeNilvera } from "./fake-nilvera.js";

const SELLER = {
  legal_name: "Tessera Yazılım A.Ş.",
  address: { line1: "Büyükdere Cd. 1", city: "İstanbul", country: "TR" },
  tax_number: "1234567890",
  tax_office: "Zincirlikuyu",
  invoice_series: "TES",
  credit_note_series: "TSI",
};
const CONSUMER = { name: "Ayşe Yılmaz", address: { line1: "İstiklal Cd. 5", city: "İstanbul", country: "TR" } };
const DAY_MS = 86_400_000;

describe("tr-earsiv: cancelling an invoice (e-Arşiv iptal) through POST /v1/invoices/{id}/cancel", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let catalog: BillingCatalog;
  let nilvera: FakeNilvera;

  beforeAll(async () => {
    nilvera = await startFakeNilvera();
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    catalog = await billingCatalog(acme.api);
    const sf = await acme.api("PATCH", `/v1/storefronts/${catalog.storefront}`, {
      fiscal_provider: {
        name: "tr-earsiv",
        config: { base_url: nilvera.url },
        credentials: { api_key: nilvera.apiKey },
      },
    });
    expect(sf.status, JSON.stringify(sf.body)).toBe(200);
    expect((await acme.api("PUT", `/v1/storefronts/${catalog.storefront}/legal-entity`, SELLER)).status).toBe(200);
  });
  afterAll(async () => {
    await ctx.close();
    await nilvera.close();
  });

  /** A paid subscription's invoice, submitted to Nilvera and, unless `decide` is null, decided by GİB. */
  async function invoiced(details: Record<string, unknown>, decide: "succeed" | null = "succeed") {
    const customer = await newCustomer(acme.api, catalog.storefront);
    expect((await acme.api("PUT", `/v1/customers/${customer}/billing-details`, details)).status).toBe(200);
    const sub = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: catalog.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect(sub.status).toBe(201);
    await ctx.services.worker.drain();
    const inv = (await acme.api("GET", `/v1/invoices?subscription=${sub.body.id}`)).body.data[0];
    if (decide) {
      nilvera.decide(inv.uuid, decide);
      ctx.clock.advance(61_000);
      await ctx.services.worker.drain();
    }
    return (await acme.api("GET", `/v1/invoices/${inv.id}`)).body;
  }

  const eventsOf = async (id: string) =>
    (await acme.api("GET", `/v1/events?object_id=${id}`)).body.data.map((e: Json) => e.type).sort();

  it("cancels an accepted e-Arşiv invoice at Nilvera, records it once, and credits nothing for a later refund", async () => {
    const inv = await invoiced(CONSUMER);
    expect(inv.fiscal.status).toBe("accepted");
    const res = await acme.api("POST", `/v1/invoices/${inv.id}/cancel`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: inv.id, number: inv.number, fiscal: { status: "cancelled" } });
    expect(res.body.cancelled_at).toEqual(expect.any(String));
    expect(nilvera.sent.find((s) => s.uuid === inv.uuid)!.status).toBe("cancelled");
    // Asking again answers the cancelled invoice; one event.
    const again = await acme.api("POST", `/v1/invoices/${inv.id}/cancel`);
    expect(again.status).toBe(200);
    expect(again.body.cancelled_at).toBe(res.body.cancelled_at);
    expect(await eventsOf(inv.id)).toEqual(["invoice.cancelled", "invoice.fiscalized", "invoice.issued"]);
    // The human-readable copies say so.
    const headers = { authorization: `Bearer ${acme.keys.development}`, "x-tn": acme.slug };
    const stamp = `Cancelled on ${res.body.cancelled_at.slice(0, 10)}`;
    expect(await (await ctx.app.request(`/v1/invoices/${inv.id}.html`, { headers })).text()).toContain(stamp);
    const pdf = new Uint8Array(await (await ctx.app.request(`/v1/invoices/${inv.id}.pdf`, { headers })).arrayBuffer());
    expect(pdfText(pdf)).toContain(stamp);
    // A refund of the charge now: the cancelled invoice is not returned with IADE.
    expect((await acme.api("POST", `/v1/payments/${inv.payment}/refund`, {})).status).toBe(200);
    await ctx.services.worker.drain();
    expect((await acme.api("GET", `/v1/credit-notes?payment=${inv.payment}`)).body.data).toEqual([]);
  });

  it("refuses what the regime does not cancel: not yet accepted, e-Fatura, already returned", async () => {
    const waiting = await invoiced(CONSUMER, null);
    const pending = await acme.api("POST", `/v1/invoices/${waiting.id}/cancel`);
    expect(pending.status).toBe(409);
    expect(pending.body).toMatchObject({
      code: "INVOICE_NOT_CANCELLABLE",
      detail: expect.stringContaining("submitted"),
    });

    nilvera.einvoiceUsers.set("9876543210", "urn:mail:defaultpk@musteri.com.tr");
    const efatura = await invoiced({
      type: "business",
      name: "Müşteri Ticaret A.Ş.",
      address: { line1: "Atatürk Blv. 10", city: "Ankara", country: "TR" },
      tax_number: "9876543210",
    });
    expect(efatura.fiscal).toMatchObject({ status: "accepted", reference: `einvoice:${efatura.uuid}` });
    const refused = await acme.api("POST", `/v1/invoices/${efatura.id}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "INVOICE_NOT_CANCELLABLE", detail: expect.stringContaining("IADE") });
    expect((await acme.api("GET", `/v1/invoices/${efatura.id}`)).body.fiscal.status).toBe("accepted");

    const returned = await invoiced(CONSUMER);
    expect((await acme.api("POST", `/v1/payments/${returned.payment}/refund`, { amount: 100 })).status).toBe(200);
    await ctx.services.worker.drain();
    const partly = await acme.api("POST", `/v1/invoices/${returned.id}/cancel`);
    expect(partly.body.code).toBe("INVOICE_NOT_CANCELLABLE");
    expect(nilvera.sent.find((s) => s.uuid === returned.uuid)!.status).toBe("succeed");
  });

  it("an unreachable integrator is a 502 and changes nothing; after 7 days the period has ended", async () => {
    const inv = await invoiced(CONSUMER);
    nilvera.failNext(1);
    const down = await acme.api("POST", `/v1/invoices/${inv.id}/cancel`);
    expect(down.status).toBe(502);
    expect(down.body.code).toBe("FISCAL_PROVIDER_UNAVAILABLE");
    expect((await acme.api("GET", `/v1/invoices/${inv.id}`)).body.fiscal.status).toBe("accepted");

    ctx.clock.advance(8 * DAY_MS);
    const late = await acme.api("POST", `/v1/invoices/${inv.id}/cancel`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("INVOICE_CANCELLATION_PERIOD_ENDED");
    expect(nilvera.sent.find((s) => s.uuid === inv.uuid)!.status).toBe("succeed");
    expect(await eventsOf(inv.id)).not.toContain("invoice.cancelled");
  });
});
