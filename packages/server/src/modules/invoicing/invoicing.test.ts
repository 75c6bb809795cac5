import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, newCustomer } from "../../../test/billing-setup.js";
import { pdfText, saxonAvailable, validateEn16931 } from "../../../test/en16931.js";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

const SELLER = {
  legal_name: "Tessera Demo GmbH",
  address: { line1: "Müllerstraße 1", city: "München", postal_code: "80331", country: "DE" },
  vat_id: "DE123456789",
  email: "billing@example.com",
};

describe("invoicing: invoices and credit notes from payments", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let catalog: BillingCatalog;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    catalog = await billingCatalog(acme.api);
    const set = await acme.api("PUT", `/v1/storefronts/${catalog.storefront}/legal-entity`, SELLER);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
  });
  afterAll(() => ctx.close());

  async function raw(path: string) {
    const res = await ctx.app.request(path, {
      headers: { authorization: `Bearer ${acme.keys.development}`, "x-tn": acme.slug },
    });
    return {
      status: res.status,
      type: res.headers.get("content-type"),
      bytes: new Uint8Array(await res.arrayBuffer()),
    };
  }

  async function subscribeWith(details: Record<string, unknown> | null, price = catalog.prices.monthly) {
    const customer = await newCustomer(acme.api, catalog.storefront);
    if (details) {
      const res = await acme.api("PUT", `/v1/customers/${customer}/billing-details`, details);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const sub = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price,
      payment_method: "pm_sandbox_ok",
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    await ctx.services.worker.drain();
    const list = await acme.api("GET", `/v1/invoices?subscription=${sub.body.id}`);
    expect(list.status).toBe(200);
    return { customer, subscription: sub.body, invoices: list.body.data as Json[] };
  }

  it("validates the legal entity and billing details (ISO countries, VAT id per country, strict bodies)", async () => {
    const bad = await acme.api("PUT", `/v1/storefronts/${catalog.storefront}/legal-entity`, {
      ...SELLER,
      vat_id: "FR123",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: Json) => e.path)).toContain("vat_id");
    const country = await acme.api("PUT", `/v1/storefronts/${catalog.storefront}/legal-entity`, {
      ...SELLER,
      address: { ...SELLER.address, country: "XX" },
    });
    expect(country.status).toBe(400);
    const unknown = await acme.api("PUT", `/v1/storefronts/${catalog.storefront}/legal-entity`, { ...SELLER, iban: 1 });
    expect(unknown.status).toBe(400);
    const customer = await newCustomer(acme.api, catalog.storefront);
    const individualVat = await acme.api("PUT", `/v1/customers/${customer}/billing-details`, {
      name: "Ada",
      address: { line1: "Rue 1", city: "Paris", country: "FR" },
      vat_id: "FR12345678901",
    });
    expect(individualVat.status).toBe(400);
    const ok = await acme.api("PUT", `/v1/customers/${customer}/billing-details`, {
      type: "business",
      name: "Ada SARL",
      address: { line1: "Rue 1", city: "Paris", country: "FR" },
      vat_id: "fr 12 345678901",
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.vat_id).toBe("FR12345678901");
    expect((await acme.api("GET", `/v1/customers/${customer}/billing-details`)).body.name).toBe("Ada SARL");
    expect((await acme.api("GET", `/v1/storefronts/${catalog.storefront}/legal-entity`)).body.vat_id).toBe(
      "DE123456789",
    );
    expect((await acme.api("GET", "/v1/customers/cus_01ARZ3NDEKTSV4RRFFQ69G5FAV/billing-details")).status).toBe(404);
  });

  it("issues one invoice per captured charge: OSS B2C in the customer's country, tax included", async () => {
    const { invoices, subscription } = await subscribeWith({
      name: "Jürgen Ölçer",
      address: { line1: "Kärntner Straße 5", city: "Wien", postal_code: "1010", country: "AT" },
    });
    expect(invoices).toHaveLength(1);
    const inv = invoices[0];
    expect(inv).toMatchObject({
      object: "invoice",
      type_code: 380,
      subscription: subscription.id,
      currency: "EUR",
      total: 999,
      amount_paid: 999,
      amount_due: 0,
      fiscal: { provider: null, status: "none" },
    });
    // 999 gross at 20 % (Austria) contains 167 of VAT (999 × 20/120, rounded): 832 net + 167 = 999.
    expect(inv.lines[0]).toMatchObject({ tax_category: "S", tax_rate: "20", net_amount: 832 });
    expect(inv.lines[0].tax).toMatchObject({
      rule: "oss_b2c",
      rate_class: "standard",
      inputs: { buyer_country: "AT", seller_country: "DE", tax_code: "electronic_service" },
    });
    expect([inv.net_total, inv.tax_total, inv.rounding_amount]).toEqual([832, 167, 0]);
    expect(inv.number).toMatch(/^INV-2026-\d{6}$/);
    const event = (await acme.api("GET", `/v1/events?object_id=${inv.id}`)).body.data;
    expect(event.map((e: Json) => e.type)).toEqual(["invoice.issued"]);
    // The event carries the document without the buyer's personal data (docs/invoicing.md).
    expect(event[0].data.object.buyer.name).toBeNull();
    expect((await acme.api("GET", `/v1/invoices/${inv.id}`)).body.buyer.name).toBe("Jürgen Ölçer");
  });

  it("reverse-charges EU B2B with a VAT id (AE with the legal note) and zero-rates exports (G)", async () => {
    const b2b = await subscribeWith({
      type: "business",
      name: "Ada SARL",
      address: { line1: "Rue 1", city: "Paris", country: "FR" },
      vat_id: "FR12345678901",
    });
    expect(b2b.invoices[0].lines[0]).toMatchObject({ tax_category: "AE", tax_rate: "0", net_amount: 999 });
    expect(b2b.invoices[0].notes[0]).toMatch(/Article 196/);
    const us = await subscribeWith({ name: "Sam", address: { line1: "1 Main St", city: "Austin", country: "US" } });
    expect(us.invoices[0].lines[0]).toMatchObject({ tax_category: "G", tax: { rule: "export" } });
    const home = await subscribeWith({ name: "Max", address: { line1: "Weg 1", city: "Berlin", country: "DE" } });
    expect(home.invoices[0].lines[0]).toMatchObject({ tax_category: "S", tax_rate: "19", tax: { rule: "domestic" } });
  });

  async function newPrice(body: Record<string, unknown>): Promise<string> {
    const res = await acme.api("POST", `/v1/bundles/${catalog.bundles.pro}/prices`, {
      currency: "EUR",
      amount: 999,
      interval: "month",
      ...body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id;
  }

  it("taxes an e-book price at the customer's country's e-book rate where it has one, else the standard rate", async () => {
    const ebook = await newPrice({ tax_code: "e_book", amount: 499 });
    expect((await acme.api("GET", `/v1/prices/${ebook}`)).body).toMatchObject({
      tax_code: "e_book",
      tax_behavior: null,
    });
    const fr = await subscribeWith({ name: "Ada", address: { line1: "Rue 1", city: "Paris", country: "FR" } }, ebook);
    expect(fr.invoices[0].lines[0]).toMatchObject({ tax_category: "S", tax_rate: "5.5", net_amount: 473 });
    expect(fr.invoices[0].lines[0].tax).toMatchObject({
      rule: "oss_b2c",
      rate_class: "e_book",
      inputs: { tax_code: "e_book", buyer_country: "FR" },
    });
    expect(fr.invoices[0].tax_total).toBe(26);
    // Denmark has no reduced rate for e-books: standard 25 %, and the decision says so.
    const dk = await subscribeWith({ name: "Bo", address: { line1: "Gade 1", city: "Aarhus", country: "DK" } }, ebook);
    expect(dk.invoices[0].lines[0]).toMatchObject({ tax_rate: "25", tax: { rate_class: "standard" } });
    // At home (Germany) the seller's e-book rate; reverse charge stays reverse charge.
    const de = await subscribeWith({ name: "Max", address: { line1: "Weg 1", city: "Berlin", country: "DE" } }, ebook);
    expect(de.invoices[0].lines[0]).toMatchObject({ tax_rate: "7", tax: { rule: "domestic", rate_class: "e_book" } });
    const b2b = await subscribeWith(
      {
        type: "business",
        name: "Ada SARL",
        address: { line1: "Rue 1", city: "Paris", country: "FR" },
        vat_id: "FR12345678901",
      },
      ebook,
    );
    expect(b2b.invoices[0].lines[0]).toMatchObject({ tax_category: "AE", tax_rate: "0", tax: { rate_class: null } });
    // What a price sells is fixed with its amount.
    const change = await acme.api("PATCH", `/v1/bundles/${catalog.bundles.pro}/prices/${ebook}`, {
      tax_code: "electronic_service",
    });
    expect(change.status).toBe(400);
    expect(await newPriceStatus({ tax_code: "press" })).toBe(400);
  });

  async function newPriceStatus(body: Record<string, unknown>): Promise<number> {
    const res = await acme.api("POST", `/v1/bundles/${catalog.bundles.pro}/prices`, {
      currency: "EUR",
      amount: 999,
      interval: "month",
      ...body,
    });
    return res.status;
  }

  it("a tax-exclusive price is the net: tax is added on top, whatever the storefront's default", async () => {
    const net = await newPrice({ tax_behavior: "exclusive", amount: 1000 });
    const de = await subscribeWith({ name: "Max", address: { line1: "Weg 1", city: "Berlin", country: "DE" } }, net);
    const inv = de.invoices[0];
    expect(inv.lines[0]).toMatchObject({ net_amount: 1000, tax_rate: "19" });
    expect([inv.net_total, inv.tax_total, inv.total, inv.rounding_amount]).toEqual([1000, 190, 1190, 0]);
    // Billing charges net + tax (docs/invoicing.md): the invoice is paid in full.
    expect([inv.amount_paid, inv.amount_due]).toEqual([1190, 0]);
    // An explicitly inclusive price is read as gross even on a storefront whose default were net.
    const gross = await newPrice({ tax_behavior: "inclusive", amount: 1190 });
    const other = await subscribeWith({ name: "Eva", address: { line1: "Weg 2", city: "Bonn", country: "DE" } }, gross);
    expect([other.invoices[0].net_total, other.invoices[0].tax_total, other.invoices[0].total]).toEqual([
      1000, 190, 1190,
    ]);
  });

  it("issues nothing twice when the payment event is delivered again", async () => {
    const { invoices } = await subscribeWith(null);
    const payment = (await acme.api("GET", `/v1/payments/${invoices[0].payment}`)).body;
    const again = await ctx.services.invoicing.issueInvoice(acme.scopes.development!, payment);
    await Promise.all([
      ctx.services.invoicing.issueInvoice(acme.scopes.development!, payment),
      ctx.services.invoicing.issueInvoice(acme.scopes.development!, payment),
    ]);
    expect(again?.id).toBe(invoices[0].id);
    const list = await acme.api("GET", `/v1/invoices?payment=${payment.id}`);
    expect(list.body.data).toHaveLength(1);
  });

  it("credits refunds with credit notes (381, billing reference), partial then the rest, once each", async () => {
    const { invoices } = await subscribeWith({
      name: "Ayşe Yılmaz",
      address: { line1: "İstiklal Cd. 1", city: "İstanbul", country: "TR" },
    });
    const inv = invoices[0];
    expect((await acme.api("POST", `/v1/payments/${inv.payment}/refund`, { amount: 300 })).status).toBe(200);
    await ctx.services.worker.drain();
    expect((await acme.api("POST", `/v1/payments/${inv.payment}/refund`, {})).status).toBe(200);
    await ctx.services.worker.drain();
    // A late duplicate of the first refund event credits nothing more.
    const payment = (await acme.api("GET", `/v1/payments/${inv.payment}`)).body;
    await ctx.services.invoicing.issueCreditNotes(acme.scopes.development!, { ...payment, refunded_amount: 300 });
    await ctx.services.invoicing.issueCreditNotes(acme.scopes.development!, payment);
    const notes = (await acme.api("GET", `/v1/credit-notes?payment=${inv.payment}`)).body.data.reverse();
    expect(notes.map((n: Json) => n.total)).toEqual([300, 699]);
    expect(notes[0]).toMatchObject({
      object: "credit_note",
      type_code: 381,
      invoice: inv.id,
      invoice_number: inv.number,
    });
    expect(notes[0].number).toMatch(/^CN-2026-\d{6}$/);
    expect((await acme.api("GET", `/v1/invoices/${inv.id}`)).body.credited_amount).toBe(999);
    const types = (await acme.api("GET", `/v1/events?object_id=${notes[1].id}`)).body.data.map((e: Json) => e.type);
    expect(types).toEqual(["credit_note.issued"]);
  });

  it("numbers each series gaplessly", async () => {
    const all = (await acme.api("GET", "/v1/invoices?limit=100")).body.data as Json[];
    const seq = all.map((i) => i.sequence).sort((a, b) => a - b);
    expect(seq).toEqual(seq.map((_, i) => i + 1));
    expect(new Set(all.map((i) => i.number)).size).toBe(all.length);
  });

  it("serves XML and PDF; every UBL document passes the EN 16931 schematron; the PDF shows the number", async () => {
    const invoices = (await acme.api("GET", "/v1/invoices?limit=100")).body.data as Json[];
    const notes = (await acme.api("GET", "/v1/credit-notes?limit=100")).body.data as Json[];
    expect(invoices.length).toBeGreaterThanOrEqual(6);
    expect(notes.length).toBeGreaterThanOrEqual(2);
    const documents: Record<string, string> = {};
    for (const [base, list] of [
      ["invoices", invoices],
      ["credit-notes", notes],
    ] as const) {
      for (const doc of list) {
        const xml = await raw(`/v1/${base}/${doc.id}.xml`);
        expect(xml.status).toBe(200);
        expect(xml.type).toMatch(/^application\/xml/);
        const text = new TextDecoder().decode(xml.bytes);
        expect(text).toContain(`<cbc:ID>${doc.number}</cbc:ID>`);
        documents[doc.id] = text;
      }
    }
    const pdf = await raw(`/v1/invoices/${invoices.at(-1).id}.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe("application/pdf");
    const text = pdfText(pdf.bytes);
    expect(text).toContain(invoices.at(-1).number);
    expect(text).toContain("Müllerstraße");
    const trNote = notes.find((n) => n.buyer.country === "TR");
    expect(pdfText((await raw(`/v1/credit-notes/${trNote.id}.pdf`)).bytes)).toContain("Ayşe Yılmaz");
    expect((await raw("/v1/invoices/inv_01ARZ3NDEKTSV4RRFFQ69G5FAV.pdf")).status).toBe(404);

    if (!saxonAvailable() && !process.env.CI) return;
    const results = validateEn16931(documents);
    expect(Object.keys(results).sort()).toEqual(Object.keys(documents).sort());
    for (const [id, r] of Object.entries(results)) expect(r.fatal, `${id}:\n${documents[id]}`).toEqual([]);
  }, 120_000);

  it("serves a self-contained, escaped HTML copy with the PDF's content, for invoices and credit notes", async () => {
    const { invoices } = await subscribeWith({
      name: `Ada <script>alert("x")</script> & Söhne`,
      address: { line1: "Weg 1", city: "Berlin", country: "DE" },
    });
    const inv = invoices[0];
    const page = await raw(`/v1/invoices/${inv.id}.html`);
    expect(page.status).toBe(200);
    expect(page.type).toBe("text/html; charset=utf-8");
    const html = new TextDecoder().decode(page.bytes);
    // Escaped, and nothing loaded from elsewhere.
    expect(html).toContain("Ada &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Söhne");
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(/i);
    // The same content as the PDF: every line of the PDF's text is on the page.
    const pdf = pdfText((await raw(`/v1/invoices/${inv.id}.pdf`)).bytes);
    const text = html
      .replace(/<style>[^<]*<\/style>/, "")
      .replace(/<[^>]+>/g, "\n")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&");
    const pdfLines = pdf
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    expect(pdfLines.length).toBeGreaterThan(8);
    for (const line of pdfLines) expect(text.replace(/\s+/g, " ")).toContain(line.replace(/\s+/g, " "));
    expect(html).toContain(inv.number);
    expect(html).toContain("Total: 9.99 EUR");
    // Credit notes too; and a document of another kind or tenant is not found.
    expect((await acme.api("POST", `/v1/payments/${inv.payment}/refund`, { amount: 100 })).status).toBe(200);
    await ctx.services.worker.drain();
    const [note] = (await acme.api("GET", `/v1/credit-notes?payment=${inv.payment}`)).body.data;
    const notePage = new TextDecoder().decode((await raw(`/v1/credit-notes/${note.id}.html`)).bytes);
    expect(notePage).toContain(`Credits invoice: ${inv.number}`);
    expect((await raw(`/v1/credit-notes/${inv.id}.html`)).status).toBe(404);
  });

  it("refuses to cancel an invoice whose regime has no cancellation (EN 16931: refund it, a credit note follows)", async () => {
    const { invoices } = await subscribeWith(null);
    const res = await acme.api("POST", `/v1/invoices/${invoices[0].id}/cancel`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("INVOICE_NOT_CANCELLABLE");
    expect((await acme.api("POST", "/v1/invoices/inv_01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel")).status).toBe(404);
  });

  it("with the ubl fiscal provider, a document is fiscalized by its job (pending → accepted, invoice.fiscalized)", async () => {
    const shop = await billingCatalog(acme.api);
    expect(
      (await acme.api("PATCH", `/v1/storefronts/${shop.storefront}`, { fiscal_provider: { name: "ubl" } })).status,
    ).toBe(200);
    expect((await acme.api("PUT", `/v1/storefronts/${shop.storefront}/legal-entity`, SELLER)).status).toBe(200);
    const customer = await newCustomer(acme.api, shop.storefront);
    const sub = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: shop.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect(sub.status).toBe(201);
    await ctx.services.worker.drain();
    const [inv] = (await acme.api("GET", `/v1/invoices?subscription=${sub.body.id}`)).body.data;
    expect(inv.fiscal).toMatchObject({ provider: "ubl", status: "accepted", reference: inv.number, attempts: 1 });
    const types = (await acme.api("GET", `/v1/events?object_id=${inv.id}`)).body.data.map((e: Json) => e.type);
    expect(types.sort()).toEqual(["invoice.fiscalized", "invoice.issued"]);
  });

  it("the schematron run can fail: a document breaking BR rules has fatal assertions", () => {
    if (!saxonAvailable() && !process.env.CI) return;
    const broken = `<?xml version="1.0" encoding="UTF-8"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>1</cbc:ID></Invoice>`;
    expect(validateEn16931({ broken }).broken!.fatal.length).toBeGreaterThan(0);
  }, 60_000);
});
