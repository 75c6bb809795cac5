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

/** The tax contained in a tax-inclusive amount (gross × rate / (100 + rate)). */
export function taxIn(gross: number, rate: string): number {
  const r = rateHundredths(rate);
  return roundDiv(gross * r, 10_000 + r);
}

/** The net part of a tax-inclusive amount. */
export function netOf(gross: number, rate: string): number {
  return gross - taxIn(gross, rate);
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
 * EN 16931 totals in minor units. Lines are grouped by tax category × rate (one VAT breakdown,
 * BG-23, each) and the tax is computed once per group:
 * * tax-exclusive amounts are nets: the group's tax is its net sum × rate, rounded (BR-CO-17);
 * * tax-inclusive amounts are what the customer pays: the group's tax is the tax contained in its
 *   gross sum (gross × rate / (100 + rate), rounded) and its net is the gross minus that tax, so
 *   net + tax = gross exactly and no rounding amount (BT-114) is needed. The lines' nets are
 *   derived the same way and the group's last cent of difference goes to its largest line, so the
 *   lines still add up to the group (BR-CO-10). That tax is within the schematron's tolerance of
 *   net × rate (BR-CO-17 allows 1 unit; it differs by at most 1 minor unit).
 * Half away from zero throughout.
 */
export function computeTotals(inputs: LineInput[], pricesIncludeTax: boolean): Totals {
  const groups = new Map<
    string,
    { category: TaxSubtotal["category"]; rate: string; note: string | null; at: number[] }
  >();
  inputs.forEach((l, i) => {
    const key = `${l.tax.category}:${l.tax.rate}`;
    const group = groups.get(key) ?? {
      category: l.tax.category,
      rate: l.tax.rate,
      note: l.tax.note && l.tax.category !== "S" ? l.tax.note : null,
      at: [],
    };
    group.at.push(i);
    groups.set(key, group);
  });
  const nets = inputs.map((l) => (pricesIncludeTax ? netOf(l.amount, l.tax.rate) : l.amount));
  const taxSubtotals: TaxSubtotal[] = [];
  for (const g of groups.values()) {
    const sum = g.at.reduce((total, i) => total + inputs[i]!.amount, 0);
    const tax = pricesIncludeTax ? taxIn(sum, g.rate) : taxOn(sum, g.rate);
    const net = pricesIncludeTax ? sum - tax : sum;
    const largest = g.at.reduce((a, b) => (Math.abs(inputs[b]!.amount) > Math.abs(inputs[a]!.amount) ? b : a));
    nets[largest]! += net - g.at.reduce((total, i) => total + nets[i]!, 0);
    taxSubtotals.push({
      category: g.category,
      rate: g.rate,
      taxable_amount: net,
      tax_amount: tax,
      exemption_reason: g.note,
    });
  }
  const lines: InvoiceLine[] = inputs.map((l, i) => ({
    position: i + 1,
    kind: l.kind,
    description: l.description,
    bundle: l.bundle,
    price: l.price,
    period_start: l.periodStart,
    period_end: l.periodEnd,
    quantity: l.quantity,
    unit_net_amount: l.quantity === 0 ? 0 : roundDiv(nets[i]!, l.quantity),
    net_amount: nets[i]!,
    tax_category: l.tax.category,
    tax_rate: l.tax.rate,
    tax: l.tax,
  }));
  const netTotal = taxSubtotals.reduce((sum, g) => sum + g.taxable_amount, 0);
  const taxTotal = taxSubtotals.reduce((sum, g) => sum + g.tax_amount, 0);
  return { lines, taxSubtotals, netTotal, taxTotal, roundingAmount: 0, total: netTotal + taxTotal };
}
