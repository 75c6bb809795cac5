import type { CreditNote, Invoice, InvoiceParty } from "@tessera/core";
import { decimal } from "./money.js";

/**
 * What the human-readable copies of a document say, in order: the PDF (`pdf.ts`) and the HTML
 * page (`html.ts`) both draw this, so they cannot drift apart.
 */
export interface DocumentLayout {
  title: string;
  /** Number, date, the credited invoice. */
  facts: string[];
  seller: string[];
  buyer: string[];
  lines: Array<{ text: string; amount: string }>;
  totals: string[];
  /** The amount to pay, set apart. */
  total: string;
  payment: string;
  notes: string[];
}

export function partyLines(p: InvoiceParty): string[] {
  const a = p.address;
  return [
    p.name ?? "",
    ...(a ? [a.line1, a.line2 ?? "", [a.postal_code, a.city].filter(Boolean).join(" "), a.region ?? ""] : []),
    p.country ?? "",
    p.vat_id ? `VAT: ${p.vat_id}` : "",
    p.tax_number ? `Tax no.: ${p.tax_number}${p.tax_office ? ` (${p.tax_office})` : ""}` : "",
  ].filter((l) => l.length > 0);
}

export function layoutOf(doc: Invoice | CreditNote): DocumentLayout {
  const money = (minor: number) => `${decimal(minor, doc.currency)} ${doc.currency}`;
  return {
    title: doc.object === "invoice" ? "Invoice" : "Credit note",
    facts: [
      `Number: ${doc.number}`,
      `Date: ${doc.issue_date}`,
      ...(doc.object === "credit_note" ? [`Credits invoice: ${doc.invoice_number}`] : []),
      ...(doc.object === "invoice" && doc.cancelled_at ? [`Cancelled on ${doc.cancelled_at.slice(0, 10)}`] : []),
    ],
    seller: partyLines(doc.seller),
    buyer: partyLines(doc.buyer),
    lines: doc.lines.map((line) => {
      const period =
        line.period_start && line.period_end
          ? ` (${line.period_start.slice(0, 10)} – ${line.period_end.slice(0, 10)})`
          : "";
      return {
        text: `${line.quantity} × ${line.description}${period}`,
        amount: `${money(line.net_amount)}  ${line.tax_category} ${line.tax_rate}%`,
      };
    }),
    totals: [
      `Net: ${money(doc.net_total)}`,
      ...doc.tax_subtotals.map(
        (s) => `Tax ${s.category} ${s.rate}% on ${money(s.taxable_amount)}: ${money(s.tax_amount)}`,
      ),
      ...(doc.rounding_amount !== 0 ? [`Rounding: ${money(doc.rounding_amount)}`] : []),
    ],
    total: `Total: ${money(doc.total)}`,
    payment: `Paid: ${money(doc.amount_paid)}   Due: ${money(doc.amount_due)}`,
    notes: doc.notes,
  };
}
