import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { CreditNote, Invoice, InvoiceParty } from "@tessera/core";
import PDFDocument from "pdfkit";
import { decimal } from "./money.js";

// DejaVu Sans covers Turkish (ğ ş ı İ) and German (ä ö ü ß); shipped as an npm package so no
// system font is needed. Read once; one face only, since every embedded face is parsed and
// subset per document (most of a PDF's cost: bench/invoicing.ts).
const require = createRequire(import.meta.url);
let font: Buffer | undefined;
const dejaVu = () => (font ??= readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf")));

function partyLines(p: InvoiceParty): string[] {
  const a = p.address;
  return [
    p.name ?? "",
    ...(a ? [a.line1, a.line2 ?? "", [a.postal_code, a.city].filter(Boolean).join(" "), a.region ?? ""] : []),
    p.country ?? "",
    p.vat_id ? `VAT: ${p.vat_id}` : "",
    p.tax_number ? `Tax no.: ${p.tax_number}${p.tax_office ? ` (${p.tax_office})` : ""}` : "",
  ].filter((l) => l.length > 0);
}

/** The human-readable copy of a document: a real PDF with an embedded Unicode font. */
export function renderPdf(doc: Invoice | CreditNote): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({
      size: "A4",
      margin: 50,
      info: {
        Title: doc.number,
        Producer: "Tessera",
        // Fixed by the document, so the same document renders the same bytes (pdfkit derives the file ID from it).
        CreationDate: new Date(doc.created_at),
      },
    });
    const chunks: Buffer[] = [];
    pdf.on("data", (chunk: Buffer) => chunks.push(chunk));
    pdf.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    pdf.on("error", reject);
    pdf.registerFont("body", dejaVu());
    const money = (minor: number) => `${decimal(minor, doc.currency)} ${doc.currency}`;

    pdf
      .font("body")
      .fontSize(18)
      .text(doc.object === "invoice" ? "Invoice" : "Credit note");
    pdf.fontSize(10).moveDown(0.5);
    pdf.text(`Number: ${doc.number}`);
    pdf.text(`Date: ${doc.issue_date}`);
    if (doc.object === "credit_note") pdf.text(`Credits invoice: ${doc.invoice_number}`);
    pdf.moveDown();
    const top = pdf.y;
    pdf.fontSize(11).text("Seller", 50, top).fontSize(10).text(partyLines(doc.seller).join("\n"), 50);
    const afterSeller = pdf.y;
    pdf.fontSize(11).text("Buyer", 300, top).fontSize(10).text(partyLines(doc.buyer).join("\n"), 300);
    pdf.y = Math.max(afterSeller, pdf.y) + 20;
    pdf.x = 50;

    for (const line of doc.lines) {
      const period =
        line.period_start && line.period_end
          ? ` (${line.period_start.slice(0, 10)} – ${line.period_end.slice(0, 10)})`
          : "";
      pdf.text(`${line.quantity} × ${line.description}${period}`, 50, pdf.y, { width: 330, continued: false });
      pdf.text(`${money(line.net_amount)}  ${line.tax_category} ${line.tax_rate}%`, 390, pdf.y - 12, {
        align: "right",
      });
    }
    pdf.moveDown();
    pdf.x = 50;
    pdf.text(`Net: ${money(doc.net_total)}`, { align: "right" });
    for (const s of doc.tax_subtotals)
      pdf.text(`Tax ${s.category} ${s.rate}% on ${money(s.taxable_amount)}: ${money(s.tax_amount)}`, {
        align: "right",
      });
    if (doc.rounding_amount !== 0) pdf.text(`Rounding: ${money(doc.rounding_amount)}`, { align: "right" });
    pdf
      .fontSize(12)
      .text(`Total: ${money(doc.total)}`, { align: "right" })
      .fontSize(10);
    pdf.text(`Paid: ${money(doc.amount_paid)}   Due: ${money(doc.amount_due)}`, { align: "right" });
    pdf.moveDown();
    for (const note of doc.notes) pdf.text(note);
    pdf.end();
  });
}
