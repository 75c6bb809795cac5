import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { CreditNote, Invoice } from "@tessera/core";
import PDFDocument from "pdfkit";
import { layoutOf } from "./layout.js";

// DejaVu Sans covers Turkish (ğ ş ı İ) and German (ä ö ü ß); shipped as an npm package so no
// system font is needed. Read once; one face only, since every embedded face is parsed and
// subset per document (most of a PDF's cost: bench/invoicing.ts).
const require = createRequire(import.meta.url);
let font: Buffer | undefined;
const dejaVu = () => (font ??= readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf")));

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
    const layout = layoutOf(doc);

    pdf.font("body").fontSize(18).text(layout.title);
    pdf.fontSize(10).moveDown(0.5);
    for (const fact of layout.facts) pdf.text(fact);
    pdf.moveDown();
    const top = pdf.y;
    pdf.fontSize(11).text("Seller", 50, top).fontSize(10).text(layout.seller.join("\n"), 50);
    const afterSeller = pdf.y;
    pdf.fontSize(11).text("Buyer", 300, top).fontSize(10).text(layout.buyer.join("\n"), 300);
    pdf.y = Math.max(afterSeller, pdf.y) + 20;
    pdf.x = 50;

    for (const line of layout.lines) {
      pdf.text(line.text, 50, pdf.y, { width: 330, continued: false });
      pdf.text(line.amount, 390, pdf.y - 12, { align: "right" });
    }
    pdf.moveDown();
    pdf.x = 50;
    for (const total of layout.totals) pdf.text(total, { align: "right" });
    pdf.fontSize(12).text(layout.total, { align: "right" }).fontSize(10);
    pdf.text(layout.payment, { align: "right" });
    pdf.moveDown();
    for (const note of layout.notes) pdf.text(note);
    pdf.end();
  });
}
