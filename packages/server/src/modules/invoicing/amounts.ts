import type { InvoiceLine, TaxDecision, TaxSubtotal } from "@tessera/core";
import { rateHundredths } from "./tax-rates.js";

/** Half away from zero, as EN 16931 rounds; `numerator / denominator` with denominator > 0. */
export function roundDiv(numerator: number, denominator: number): number {
  const q = Math.floor(Math.abs(numerator) / denominator);
  const r = Math.abs(numerator) - q * denominator;
  const rounded = 2 * r >= denominator ? q + 1 : q;
  return numerator < 0 ? -rounded : rounded;
}

/** Tax on a net amount at a rate, in minor units. */
export function taxOn(net: number, rate: string): number {
  return roundDiv(net * rateHundredths(rate), 10_000);
}

/** The net part of a tax-inclusive amount. */
export function netOf(gross: number, rate: string): number {
  return roundDiv(gross * 10_000, 10_000 + rateHundredths(rate));
}

export interface LineInput {
  kind: InvoiceLine["kind"];
  description: string;
  bundle: string | null;
  price: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  quantity: number;
  /** Minor units for the whole line: gross when prices include tax, else net. */
  amount: number;
  tax: TaxDecision;
}

export interface Totals {
  lines: InvoiceLine[];
  taxSubtotals: TaxSubtotal[];
  netTotal: number;
  taxTotal: number;
  roundingAmount: number;
  total: number;
}

/**
 * EN 16931 totals in minor units: line net amounts are exact minor units; the VAT of each
 * category × rate is computed once on the sum of its lines' net amounts (BR-CO-17) and the
 * document totals are sums (BR-CO-10…15). With tax-inclusive prices each line's net is derived
 * from its gross, and where the category's rounded tax does not give the gross back to the cent,
 * the difference is the rounding amount (BT-114), so the payable amount is exactly what was paid.
 */
export function computeTotals(inputs: LineInput[], pricesIncludeTax: boolean): Totals {
  const lines: InvoiceLine[] = inputs.map((l, i) => {
    const net = pricesIncludeTax ? netOf(l.amount, l.tax.rate) : l.amount;
    return {
      position: i + 1,
      kind: l.kind,
      description: l.description,
      bundle: l.bundle,
      price: l.price,
      period_start: l.periodStart,
      period_end: l.periodEnd,
      quantity: l.quantity,
      unit_net_amount: l.quantity === 0 ? 0 : roundDiv(net, l.quantity),
      net_amount: net,
      tax_category: l.tax.category,
      tax_rate: l.tax.rate,
      tax: l.tax,
    };
  });
  const groups = new Map<string, TaxSubtotal>();
  for (const line of lines) {
    const key = `${line.tax_category}:${line.tax_rate}`;
    const group = groups.get(key) ?? {
      category: line.tax_category,
      rate: line.tax_rate,
      taxable_amount: 0,
      tax_amount: 0,
      exemption_reason: line.tax.note && line.tax_category !== "S" ? line.tax.note : null,
    };
    group.taxable_amount += line.net_amount;
    groups.set(key, group);
  }
  const taxSubtotals = [...groups.values()].map((g) => ({ ...g, tax_amount: taxOn(g.taxable_amount, g.rate) }));
  const netTotal = lines.reduce((sum, l) => sum + l.net_amount, 0);
  const taxTotal = taxSubtotals.reduce((sum, g) => sum + g.tax_amount, 0);
  const gross = inputs.reduce((sum, l) => sum + l.amount, 0);
  const roundingAmount = pricesIncludeTax ? gross - (netTotal + taxTotal) : 0;
  return { lines, taxSubtotals, netTotal, taxTotal, roundingAmount, total: netTotal + taxTotal + roundingAmount };
}
