import type { CreditNote, Invoice } from "@tessera/core";
import { esc } from "./fiscal/ubl/xml.js";
import { layoutOf } from "./layout.js";

// Inline and fixed: the page loads nothing (no fonts, images or scripts), so it prints and
// archives as it is and a Content-Security-Policy of `default-src 'none'` holds.
const STYLE = `body{font-family:system-ui,"DejaVu Sans",sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.6rem;margin:0 0 .5rem}.parties{display:flex;gap:2rem;margin:1.5rem 0}.parties section{flex:1}
h2{font-size:1rem;margin:0 0 .25rem}p{margin:.1rem 0}table{width:100%;border-collapse:collapse;margin:1rem 0}
td{padding:.3rem 0;border-bottom:1px solid #ddd;vertical-align:top}td.amount,.totals{text-align:right;white-space:nowrap}
.total{font-size:1.15rem;font-weight:600}`;

const lines = (texts: string[]) => texts.map((t) => `<p>${esc(t)}</p>`).join("");

/**
 * The human-readable copy of a document as one self-contained HTML page: the same content as the
 * PDF (both draw `layoutOf`), every value escaped.
 */
export function renderHtml(doc: Invoice | CreditNote): string {
  const layout = layoutOf(doc);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${layout.title} ${doc.number}`)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${esc(layout.title)}</h1>${lines(layout.facts)}
<div class="parties"><section><h2>Seller</h2>${lines(layout.seller)}</section><section><h2>Buyer</h2>${lines(layout.buyer)}</section></div>
<table><tbody>${layout.lines.map((l) => `<tr><td>${esc(l.text)}</td><td class="amount">${esc(l.amount)}</td></tr>`).join("")}</tbody></table>
<div class="totals">${lines(layout.totals)}<p class="total">${esc(layout.total)}</p><p>${esc(layout.payment)}</p></div>
${lines(layout.notes)}
</main></body></html>
`;
}
