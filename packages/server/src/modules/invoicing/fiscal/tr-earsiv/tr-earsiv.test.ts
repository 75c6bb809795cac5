import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../../../test/billing-setup.js";
import type { Json } from "../../../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../../../test/harness.js";
import { type FakeNilvera, startFakeNilvera } from "./fake-nilvera.js";
import { trEarsivProvider } from "./index.js";

const SELLER = {
  legal_name: "Tessera Yazılım A.Ş.",
  address: { line1: "Büyükdere Cd. 1", city: "İstanbul", region: "Şişli", country: "TR" },
  tax_number: "1234567890",
  tax_office: "Zincirlikuyu",
  invoice_series: "TES",
  credit_note_series: "TSI",
};

describe("tr-earsiv: UBL-TR 1.2 through Nilvera, asynchronously", () => {
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

  async function subscribe(details: Record<string, unknown>) {
    const customer = await newCustomer(acme.api, catalog.storefront);
    expect((await acme.api("PUT", `/v1/customers/${customer}/billing-details`, details)).status).toBe(200);
    const sub = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: catalog.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect(sub.status).toBe(201);
    await ctx.services.worker.drain();
    return (await acme.api("GET", `/v1/invoices?subscription=${sub.body.id}`)).body.data[0];
  }

  /** The status check is due a minute after a submission, by the wall clock. */
  async function nextCheck() {
    ctx.clock.advance(61_000);
    await ctx.services.worker.drain();
  }

  const consumer = {
    name: "Ayşe Yılmaz",
    address: { line1: "İstiklal Cd. 5", city: "İstanbul", region: "Beyoğlu", country: "TR" },
  };

  it("submits an e-Arşiv invoice (EARSIVFATURA, ETTN, 16-character number, KDV 20 %) and records GİB's acceptance", async () => {
    const inv = await subscribe(consumer);
    expect(inv.number).toMatch(/^TES2026\d{9}$/);
    expect(inv.number).toHaveLength(16);
    expect(inv.lines[0]).toMatchObject({ tax_category: "S", tax_rate: "20", tax: { rule: "tr_kdv" } });
    expect(inv.fiscal).toMatchObject({ provider: "tr-earsiv", status: "submitted", reference: `earchive:${inv.uuid}` });
    const doc = nilvera.sent.find((s) => s.uuid === inv.uuid)!;
    expect(doc.channel).toBe("earchive");
    expect(doc.xml).toContain("<cbc:CustomizationID>TR1.2</cbc:CustomizationID>");
    expect(doc.xml).toContain("<cbc:ProfileID>EARSIVFATURA</cbc:ProfileID>");
    expect(doc.xml).toContain(`<cbc:UUID>${inv.uuid}</cbc:UUID>`);
    expect(doc.xml).toContain("<cbc:InvoiceTypeCode>SATIS</cbc:InvoiceTypeCode>");
    expect(doc.xml).toContain('<cbc:ID schemeID="TCKN">11111111111</cbc:ID>');
    expect(doc.xml).toContain("<cbc:TaxTypeCode>0015</cbc:TaxTypeCode>");
    // Still waiting at GİB: asked again later, still submitted.
    await nextCheck();
    expect((await acme.api("GET", `/v1/invoices/${inv.id}`)).body.fiscal.status).toBe("submitted");
    nilvera.decide(inv.uuid, "succeed");
    await nextCheck();
    expect((await acme.api("GET", `/v1/invoices/${inv.id}`)).body.fiscal.status).toBe("accepted");
    const types = (await acme.api("GET", `/v1/events?object_id=${inv.id}`)).body.data.map((e: Json) => e.type);
    expect(types.sort()).toEqual(["invoice.fiscalized", "invoice.issued"]);
    // The .xml endpoint serves the same UBL-TR document.
    const xml = await ctx.app.request(`/v1/invoices/${inv.id}.xml`, {
      headers: { authorization: `Bearer ${acme.keys.development}`, "x-tn": acme.slug },
    });
    expect(await xml.text()).toBe(doc.xml);
  });

  it("sends registered taxpayers e-Fatura (TEMELFATURA) with their alias", async () => {
    nilvera.einvoiceUsers.set("9876543210", "urn:mail:defaultpk@musteri.com.tr");
    const inv = await subscribe({
      type: "business",
      name: "Müşteri Ticaret A.Ş.",
      address: { line1: "Atatürk Blv. 10", city: "Ankara", country: "TR" },
      tax_number: "9876543210",
    });
    const doc = nilvera.sent.find((s) => s.uuid === inv.uuid)!;
    expect(doc).toMatchObject({ channel: "einvoice", alias: "urn:mail:defaultpk@musteri.com.tr" });
    expect(doc.xml).toContain("<cbc:ProfileID>TEMELFATURA</cbc:ProfileID>");
    expect(doc.xml).toContain('<cbc:ID schemeID="VKN">9876543210</cbc:ID>');
    nilvera.decide(inv.uuid, "error");
    await nextCheck();
    const after = (await acme.api("GET", `/v1/invoices/${inv.id}`)).body;
    expect(after.fiscal.status).toBe("rejected");
    expect(after.fiscal.reason).toContain("Alıcı reddetti");
    expect(after.number).toBe(inv.number);
  });

  it("rejections keep their number and say why; a provider outage is retried until it answers", async () => {
    nilvera.refuseWhenContains("Reddedilecek");
    const refused = await subscribe({ ...consumer, name: "Reddedilecek Kişi" });
    nilvera.refuseWhenContains(null);
    expect(refused.fiscal).toMatchObject({ status: "rejected", reason: expect.stringContaining("Şematron") });
    const types = (await acme.api("GET", `/v1/events?object_id=${refused.id}`)).body.data.map((e: Json) => e.type);
    expect(types).toContain("invoice.fiscalization_failed");

    nilvera.failNext(3);
    const later = await subscribe(consumer);
    expect(later.sequence).toBe(refused.sequence + 1);
    expect(later.fiscal.status).toBe("pending");
    // The queue retries with backoff by the wall clock (at most an hour apart).
    for (
      let i = 0;
      i < 4 && (await acme.api("GET", `/v1/invoices/${later.id}`)).body.fiscal.status === "pending";
      i++
    ) {
      ctx.clock.advance(3_600_000);
      await ctx.services.worker.drain();
    }
    expect((await acme.api("GET", `/v1/invoices/${later.id}`)).body.fiscal).toMatchObject({
      status: "submitted",
      attempts: expect.any(Number),
    });
  });

  it("returns refunds with IADE invoices referencing the original", async () => {
    const inv = await subscribe(consumer);
    expect((await acme.api("POST", `/v1/payments/${inv.payment}/refund`, { amount: 400 })).status).toBe(200);
    await ctx.services.worker.drain();
    const note = (await acme.api("GET", `/v1/credit-notes?payment=${inv.payment}`)).body.data[0];
    expect(note.number).toMatch(/^TSI2026\d{9}$/);
    const doc = nilvera.sent.find((s) => s.uuid === note.uuid)!;
    expect(doc.xml).toContain("<cbc:InvoiceTypeCode>IADE</cbc:InvoiceTypeCode>");
    expect(doc.xml).toContain(`<cbc:ID>${inv.number}</cbc:ID>`);
    expect(doc.xml).toContain("<cbc:DocumentTypeCode>IADE</cbc:DocumentTypeCode>");
  });

  it("cancels an e-Arşiv invoice (iptal) and refuses to cancel an e-Fatura", async () => {
    const provider = trEarsivProvider({ fetch });
    const settings = { config: { base_url: nilvera.url }, credentials: { api_key: nilvera.apiKey } };
    const arsiv = nilvera.sent.find((s) => s.channel === "earchive")!;
    const doc = (await acme.api("GET", `/v1/invoices?limit=100`)).body.data.find((i: Json) => i.uuid === arsiv.uuid);
    expect(await provider.cancel!(settings, doc, `earchive:${arsiv.uuid}`)).toEqual({ status: "cancelled" });
    expect(arsiv.status).toBe("cancelled");
    expect((await provider.cancel!(settings, doc, `einvoice:${arsiv.uuid}`)).status).toBe("rejected");
    const wrongKey = { ...settings, credentials: { api_key: "wrong" } };
    expect((await provider.submit(wrongKey, doc)).status).toBe("retry");
  });
});
