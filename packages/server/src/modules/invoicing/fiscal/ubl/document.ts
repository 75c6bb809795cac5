import type { InvoiceLine, InvoiceParty, TaxSubtotal } from "@tessera/core";
import { dateOf, decimal } from "../../money.js";
import type { FiscalDocument } from "../port.js";
import { el, leaf } from "./xml.js";

/** Peppol BIS Billing 3.0 on EN 16931. */
export const CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
export const PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

const NS = {
  invoice: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
  creditNote: "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
  cac: "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
  cbc: "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
};

/** A VAT identifier with its ISO prefix (BR-CO-09); Greece's is EL. */
export function prefixedVatId(country: string | undefined, id: string | null): string | null {
  if (!id) return null;
  if (/^[A-Z]{2}/.test(id)) return id;
  return `${country === "GR" ? "EL" : (country ?? "")}${id}`;
}

function party(p: InvoiceParty, fallbackCountry: string): string {
  const country = p.country ?? p.address?.country ?? fallbackCountry;
  const name = p.name ?? "Consumer";
  return el(
    "cac:Party",
    {},
    el("cac:PartyName", {}, leaf("cbc:Name", name)),
    el(
      "cac:PostalAddress",
      {},
      leaf("cbc:StreetName", p.address?.line1),
      leaf("cbc:AdditionalStreetName", p.address?.line2),
      leaf("cbc:CityName", p.address?.city),
      leaf("cbc:PostalZone", p.address?.postal_code),
      leaf("cbc:CountrySubentity", p.address?.region),
      el("cac:Country", {}, leaf("cbc:IdentificationCode", country)),
    ),
    // UBL-SR-53: no tax scheme without the VAT identifier it is about.
    p.vat_id
      ? el(
          "cac:PartyTaxScheme",
          {},
          leaf("cbc:CompanyID", prefixedVatId(country, p.vat_id)),
          el("cac:TaxScheme", {}, leaf("cbc:ID", "VAT")),
        )
      : "",
    el("cac:PartyLegalEntity", {}, leaf("cbc:RegistrationName", name), leaf("cbc:CompanyID", p.tax_number)),
  );
}

/** BR-O-05: outside the scope of VAT carries no rate. */
const percent = (category: string, rate: string) => (category === "O" ? null : rate);

function taxCategory(tag: string, category: string, rate: string, reason: string | null) {
  return el(
    tag,
    {},
    leaf("cbc:ID", category),
    leaf("cbc:Percent", percent(category, rate)),
    leaf("cbc:TaxExemptionReason", reason),
    el("cac:TaxScheme", {}, leaf("cbc:ID", "VAT")),
  );
}

function subtotal(s: TaxSubtotal, currency: string) {
  return el(
    "cac:TaxSubtotal",
    {},
    leaf("cbc:TaxableAmount", decimal(s.taxable_amount, currency), { currencyID: currency }),
    leaf("cbc:TaxAmount", decimal(s.tax_amount, currency), { currencyID: currency }),
    taxCategory("cac:TaxCategory", s.category, s.rate, s.exemption_reason),
  );
}

function line(l: InvoiceLine, currency: string, credit: boolean) {
  // BR-27: a price is never negative; a discount line is a negative quantity instead.
  const quantity = l.net_amount < 0 ? -Math.abs(l.quantity) : l.quantity;
  const unit = quantity === 0 ? 0 : Math.round(l.net_amount / quantity);
  return el(
    credit ? "cac:CreditNoteLine" : "cac:InvoiceLine",
    {},
    leaf("cbc:ID", l.position),
    leaf(credit ? "cbc:CreditedQuantity" : "cbc:InvoicedQuantity", quantity, { unitCode: "C62" }),
    leaf("cbc:LineExtensionAmount", decimal(l.net_amount, currency), { currencyID: currency }),
    el(
      "cac:InvoicePeriod",
      {},
      leaf("cbc:StartDate", dateOf(l.period_start)),
      leaf("cbc:EndDate", dateOf(l.period_end)),
    ),
    el(
      "cac:Item",
      {},
      leaf("cbc:Name", l.description),
      el("cac:SellersItemIdentification", {}, leaf("cbc:ID", l.price)),
      taxCategory("cac:ClassifiedTaxCategory", l.tax_category, l.tax_rate, null),
    ),
    el("cac:Price", {}, leaf("cbc:PriceAmount", decimal(unit, currency), { currencyID: currency })),
  );
}

/** EN 16931 UBL 2.1 Invoice (380) or CreditNote (381) of an issued document. */
export function toUbl(doc: FiscalDocument): string {
  const credit = doc.object === "credit_note";
  const c = doc.currency;
  const money = (tag: string, minor: number) => leaf(tag, decimal(minor, c), { currencyID: c });
  const periods = doc.lines.filter((l) => l.period_start && l.period_end);
  const start = periods.map((l) => l.period_start!).sort()[0];
  const end = periods
    .map((l) => l.period_end!)
    .sort()
    .at(-1);
  const sellerCountry = doc.seller.country ?? "";
  const body = [
    leaf("cbc:CustomizationID", CUSTOMIZATION_ID),
    leaf("cbc:ProfileID", PROFILE_ID),
    leaf("cbc:ID", doc.number),
    leaf("cbc:IssueDate", doc.issue_date),
    // BR-CO-25: an amount still due needs a due date; it is due at once.
    doc.amount_due > 0 && !credit ? leaf("cbc:DueDate", doc.issue_date) : "",
    leaf(credit ? "cbc:CreditNoteTypeCode" : "cbc:InvoiceTypeCode", credit ? "381" : "380"),
    ...doc.notes.map((n) => leaf("cbc:Note", n)),
    leaf("cbc:DocumentCurrencyCode", c),
    leaf("cbc:BuyerReference", doc.customer),
    el("cac:InvoicePeriod", {}, leaf("cbc:StartDate", dateOf(start ?? null)), leaf("cbc:EndDate", dateOf(end ?? null))),
    credit
      ? el("cac:BillingReference", {}, el("cac:InvoiceDocumentReference", {}, leaf("cbc:ID", doc.invoice_number)))
      : "",
    el("cac:AccountingSupplierParty", {}, party(doc.seller, sellerCountry)),
    el("cac:AccountingCustomerParty", {}, party(doc.buyer, sellerCountry)),
    el("cac:TaxTotal", {}, money("cbc:TaxAmount", doc.tax_total), ...doc.tax_subtotals.map((s) => subtotal(s, c))),
    el(
      "cac:LegalMonetaryTotal",
      {},
      money("cbc:LineExtensionAmount", doc.net_total),
      money("cbc:TaxExclusiveAmount", doc.net_total),
      money("cbc:TaxInclusiveAmount", doc.net_total + doc.tax_total),
      doc.amount_paid !== 0 ? money("cbc:PrepaidAmount", doc.amount_paid) : "",
      doc.rounding_amount !== 0 ? money("cbc:PayableRoundingAmount", doc.rounding_amount) : "",
      money("cbc:PayableAmount", doc.amount_due),
    ),
    ...doc.lines.map((l) => line(l, c, credit)),
  ].join("");
  const root = credit ? "CreditNote" : "Invoice";
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${credit ? NS.creditNote : NS.invoice}" xmlns:cac="${NS.cac}" xmlns:cbc="${NS.cbc}">${body}</${root}>\n`;
}
