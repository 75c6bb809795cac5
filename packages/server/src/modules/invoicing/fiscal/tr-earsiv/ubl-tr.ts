import type { InvoiceLine, InvoiceParty } from "@tessera/core";
import { decimal } from "../../money.js";
import type { FiscalDocument } from "../port.js";
import { el, leaf } from "../ubl/xml.js";

/*
 * UBL-TR 1.2 (GİB's customisation of UBL 2.1) for e-Arşiv and e-Fatura: CustomizationID TR1.2,
 * ProfileID EARSIVFATURA (consumers and taxpayers outside e-Fatura) or TEMELFATURA (registered
 * e-Fatura users), the ETTN as cbc:UUID, the 16-character number SSSYYYYNNNNNNNNN, KDV (tax type
 * 0015) per line and in total, and for refunds an IADE invoice with the billing reference of the
 * invoice it returns. The integrator signs it.
 */

export type Profile = "EARSIVFATURA" | "TEMELFATURA";

/** GİB's identifier for a consumer whose TCKN is not known (e-Arşiv). */
export const UNKNOWN_TCKN = "11111111111";
/** KDV exemption for exported services (3065 KDV Kanunu 11/1-a), GİB code 302. */
const EXPORT_EXEMPTION = { code: "302", reason: "11/1-a Hizmet ihracatı" };

const NS = {
  invoice: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
  cac: "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
  cbc: "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
};

/** `SSSYYYYNNNNNNNNN`: a 3-character series, the year, 9 digits. */
export function trNumber(series: string, year: number, sequence: number): string {
  return `${series.slice(0, 3).padEnd(3, "0")}${year}${String(sequence).padStart(9, "0")}`;
}

function identification(p: InvoiceParty, seller: boolean): string {
  const id = (p.tax_number ?? p.vat_id ?? "").replace(/^TR/, "");
  if (/^\d{10}$/.test(id)) return leaf("cbc:ID", id, { schemeID: "VKN" });
  if (/^\d{11}$/.test(id)) return leaf("cbc:ID", id, { schemeID: "TCKN" });
  return leaf("cbc:ID", seller ? id : UNKNOWN_TCKN, { schemeID: "TCKN" });
}

function party(p: InvoiceParty, seller: boolean): string {
  const a = p.address;
  const individual = !p.business && !seller;
  const [first, ...rest] = (p.name ?? "Nihai Tüketici").split(" ");
  return el(
    "cac:Party",
    {},
    el("cac:PartyIdentification", {}, identification(p, seller)),
    individual ? "" : el("cac:PartyName", {}, leaf("cbc:Name", p.name)),
    el(
      "cac:PostalAddress",
      {},
      leaf("cbc:StreetName", a?.line1),
      leaf("cbc:CitySubdivisionName", a?.region ?? a?.city ?? "-"),
      leaf("cbc:CityName", a?.city ?? "-"),
      leaf("cbc:PostalZone", a?.postal_code),
      el(
        "cac:Country",
        {},
        leaf("cbc:IdentificationCode", p.country),
        leaf("cbc:Name", p.country === "TR" ? "Türkiye" : p.country),
      ),
    ),
    seller ? el("cac:PartyTaxScheme", {}, el("cac:TaxScheme", {}, leaf("cbc:Name", p.tax_office))) : "",
    individual
      ? el("cac:Person", {}, leaf("cbc:FirstName", first), leaf("cbc:FamilyName", rest.join(" ") || first))
      : "",
  );
}

function taxSubtotal(c: string, taxable: number, tax: number, rate: string, exempt: boolean) {
  const money = (tag: string, minor: number) => leaf(tag, decimal(minor, c), { currencyID: c });
  return el(
    "cac:TaxSubtotal",
    {},
    money("cbc:TaxableAmount", taxable),
    money("cbc:TaxAmount", tax),
    leaf("cbc:Percent", rate),
    el(
      "cac:TaxCategory",
      {},
      exempt ? leaf("cbc:TaxExemptionReasonCode", EXPORT_EXEMPTION.code) : "",
      exempt ? leaf("cbc:TaxExemptionReason", EXPORT_EXEMPTION.reason) : "",
      el("cac:TaxScheme", {}, leaf("cbc:Name", "KDV"), leaf("cbc:TaxTypeCode", "0015")),
    ),
  );
}

function line(l: InvoiceLine, c: string, lineTax: number) {
  const money = (tag: string, minor: number) => leaf(tag, decimal(minor, c), { currencyID: c });
  return el(
    "cac:InvoiceLine",
    {},
    leaf("cbc:ID", l.position),
    leaf("cbc:InvoicedQuantity", l.quantity, { unitCode: "C62" }),
    money("cbc:LineExtensionAmount", l.net_amount),
    el(
      "cac:TaxTotal",
      {},
      money("cbc:TaxAmount", lineTax),
      taxSubtotal(c, l.net_amount, lineTax, l.tax_rate, l.tax_category !== "S"),
    ),
    el("cac:Item", {}, leaf("cbc:Name", l.description)),
    el("cac:Price", {}, money("cbc:PriceAmount", l.unit_net_amount)),
  );
}

/** The document as a UBL-TR 1.2 invoice: SATIS for an invoice, IADE (return) for a credit note. */
export function toUblTr(doc: FiscalDocument, profile: Profile): string {
  const c = doc.currency;
  const iade = doc.object === "credit_note";
  const money = (tag: string, minor: number) => leaf(tag, decimal(minor, c), { currencyID: c });
  const sellerId = (doc.seller.tax_number ?? doc.seller.vat_id ?? "").replace(/^TR/, "");
  // One line per tax subtotal in what Tessera issues; its tax is the subtotal's.
  const lineTax = (l: InvoiceLine) =>
    doc.tax_subtotals.find((s) => s.category === l.tax_category && s.rate === l.tax_rate)?.tax_amount ?? 0;
  const body = [
    leaf("cbc:UBLVersionID", "2.1"),
    leaf("cbc:CustomizationID", "TR1.2"),
    leaf("cbc:ProfileID", profile),
    leaf("cbc:ID", doc.number),
    leaf("cbc:CopyIndicator", "false"),
    leaf("cbc:UUID", doc.uuid),
    leaf("cbc:IssueDate", doc.issue_date),
    leaf("cbc:IssueTime", doc.created_at.slice(11, 19)),
    leaf("cbc:InvoiceTypeCode", iade ? "IADE" : "SATIS"),
    ...doc.notes.map((n) => leaf("cbc:Note", n)),
    leaf("cbc:DocumentCurrencyCode", c),
    leaf("cbc:LineCountNumeric", doc.lines.length),
    iade
      ? el(
          "cac:BillingReference",
          {},
          el(
            "cac:InvoiceDocumentReference",
            {},
            leaf("cbc:ID", doc.invoice_number),
            leaf("cbc:IssueDate", doc.issue_date),
            leaf("cbc:DocumentTypeCode", "IADE"),
          ),
        )
      : "",
    // e-Arşiv: how the invoice reaches the buyer (ELEKTRONIK or KAGIT).
    profile === "EARSIVFATURA"
      ? el(
          "cac:AdditionalDocumentReference",
          {},
          leaf("cbc:ID", "ELEKTRONIK"),
          leaf("cbc:IssueDate", doc.issue_date),
          leaf("cbc:DocumentTypeCode", "SendingType"),
        )
      : "",
    el(
      "cac:Signature",
      {},
      leaf("cbc:ID", sellerId, { schemeID: "VKN_TCKN" }),
      el("cac:SignatoryParty", {}, el("cac:PartyIdentification", {}, leaf("cbc:ID", sellerId, { schemeID: "VKN" }))),
      el(
        "cac:DigitalSignatureAttachment",
        {},
        el("cac:ExternalReference", {}, leaf("cbc:URI", `#Signature_${doc.number}`)),
      ),
    ),
    el("cac:AccountingSupplierParty", {}, party(doc.seller, true)),
    el("cac:AccountingCustomerParty", {}, party(doc.buyer, false)),
    el(
      "cac:TaxTotal",
      {},
      money("cbc:TaxAmount", doc.tax_total),
      ...doc.tax_subtotals.map((s) => taxSubtotal(c, s.taxable_amount, s.tax_amount, s.rate, s.category !== "S")),
    ),
    el(
      "cac:LegalMonetaryTotal",
      {},
      money("cbc:LineExtensionAmount", doc.net_total),
      money("cbc:TaxExclusiveAmount", doc.net_total),
      money("cbc:TaxInclusiveAmount", doc.net_total + doc.tax_total),
      doc.rounding_amount !== 0 ? money("cbc:PayableRoundingAmount", doc.rounding_amount) : "",
      money("cbc:PayableAmount", doc.total),
    ),
    ...doc.lines.map((l) => line(l, c, lineTax(l))),
  ].join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="${NS.invoice}" xmlns:cac="${NS.cac}" xmlns:cbc="${NS.cbc}">${body}</Invoice>\n`;
}
