import { addInterval, type InvoiceParty, type Payment, type Price, type Subscription } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { BillingDetailsRow, LegalEntityRow } from "../../db/types.js";
import { fromJson } from "../../lib/json.js";
import { computeTotals, type LineInput, type Totals } from "./amounts.js";
import type { FiscalProvider } from "./fiscal/port.js";
import { defaultNumber } from "./numbering.js";
import { decideTax } from "./tax.js";
import type { StoredDocument } from "./views.js";

/** What a discount took off a charge (modules/campaigns): `gross - discount` is what was paid. */
export interface ChargeDiscount {
  gross: number;
  discount: number;
  description: string;
}

export type DiscountLookup = (
  scope: Scope,
  payment: Pick<Payment, "subscription" | "period_index" | "kind" | "amount">,
) => Promise<ChargeDiscount | undefined>;

/** Everything an invoice is made of, read before the issuing transaction opens. */
export interface IssueContext {
  /** The discount taken off the payment's charge, if one was. */
  discount?: ChargeDiscount | null;
  entity: LegalEntityRow;
  buyer: InvoiceParty;
  subscription: Subscription | null;
  price: Price | null;
  bundleName: string | null;
  fiscalProvider: FiscalProvider | null;
  fiscalProviderName: string | null;
}

export function sellerOf(entity: LegalEntityRow): InvoiceParty {
  return {
    name: entity.legal_name,
    address: fromJson(entity.address, null),
    country: fromJson<{ country: string } | null>(entity.address, null)?.country ?? null,
    vat_id: entity.vat_id,
    tax_number: entity.tax_number,
    tax_office: entity.tax_office,
    business: true,
  };
}

/** The buyer from their billing details, else what the customer record says (a consumer). */
export function buyerOf(
  details: BillingDetailsRow | undefined,
  customer: { name: string | null; country: string | null },
): InvoiceParty {
  if (details)
    return {
      name: details.name,
      address: fromJson(details.address, null),
      country: fromJson<{ country: string } | null>(details.address, null)?.country ?? null,
      vat_id: details.vat_id,
      tax_number: details.tax_number,
      business: details.type === "business",
    };
  return {
    name: customer.name,
    address: null,
    country: customer.country,
    vat_id: null,
    tax_number: null,
    business: false,
  };
}

/** The bounds of the period a payment paid (the subscription may have moved on since). */
function periodOf(sub: Subscription, price: Price, payment: Payment): { start: string; end: string } {
  if (payment.kind === "proration") return { start: payment.created_at, end: sub.current_period_end };
  const shift = (payment.period_index - sub.period_index) * price.interval_count;
  if (shift === 0) return { start: sub.current_period_start, end: sub.current_period_end };
  const start = addInterval(new Date(sub.current_period_start), price.interval, shift);
  return {
    start: start.toISOString(),
    end: addInterval(start, price.interval, price.interval_count).toISOString(),
  };
}

/** Whether the charged price's amount includes tax: the price says so, else the legal entity's default. */
export function includesTax(c: Pick<IssueContext, "entity" | "price">): boolean {
  if (c.price?.tax_behavior) return c.price.tax_behavior === "inclusive";
  return c.entity.prices_include_tax === 1;
}

export interface Draft {
  totals: Totals;
  stored: StoredDocument;
  amountPaid: number;
}

/** The invoice of a captured charge, before it has a number. */
export function draftInvoice(c: IssueContext, payment: Payment, issueDate: string): Draft {
  const seller = sellerOf(c.entity);
  // Tax added at charge time (a tax-exclusive price, charge-tax.ts): the same decision, and the
  // line's net is what was charged minus it, so the total is the captured amount exactly.
  const tax =
    payment.tax?.decision ??
    decideTax({
      seller: { country: seller.country ?? "", vatId: c.entity.vat_id },
      buyer: { country: c.buyer.country, business: c.buyer.business, vatId: c.buyer.vat_id },
      taxCode: c.price?.tax_code ?? "electronic_service",
    });
  const netPaid = payment.tax ? payment.amount - payment.tax.amount : payment.amount;
  const period = c.subscription && c.price ? periodOf(c.subscription, c.price, payment) : null;
  const name = c.bundleName ?? "Subscription";
  const line: LineInput = {
    kind: payment.kind === "proration" ? "proration" : "subscription",
    description:
      payment.kind === "proration"
        ? `${name}: change of plan, prorated`
        : `${name}${c.price?.nickname ? ` (${c.price.nickname})` : ""}`,
    bundle: c.subscription?.bundle ?? null,
    price: c.subscription?.price ?? null,
    periodStart: period?.start ?? null,
    periodEnd: period?.end ?? null,
    quantity: 1,
    amount: netPaid,
    tax,
  };
  // A discounted charge: the full price, then the discount as a negative line (EN 16931 BR-27 keeps
  // prices positive: the UBL writer turns it into a negative quantity), summing to what was paid
  // (its net, when tax was added at charge time: discounts come before tax).
  const d = c.discount && c.discount.gross - c.discount.discount === netPaid ? c.discount : null;
  const lines: LineInput[] = d
    ? [
        { ...line, amount: d.gross },
        { ...line, kind: "discount", description: `Discount: ${d.description}`, amount: -d.discount },
      ]
    : [line];
  const totals = computeTotals(lines, payment.tax ? false : includesTax(c));
  const notes = tax.note ? [tax.note] : [];
  // Issued on a later day than the charge (a backfill, docs/invoicing.md): the document says when it was paid.
  const paidOn = payment.created_at.slice(0, 10);
  if (paidOn < issueDate) notes.push(`Payment received on ${paidOn}.`);
  return { totals, stored: { ...partiesOf(c, seller), notes }, amountPaid: payment.amount };
}

function partiesOf(c: IssueContext, seller: InvoiceParty) {
  return { lines: [] as StoredDocument["lines"], tax_subtotals: [], seller, buyer: c.buyer };
}

/**
 * A credit note for `amount` paid back on an invoice: it credits money, tax included, in the
 * invoice's tax category, so what was credited is what was refunded.
 */
export function draftCreditNote(invoice: StoredDocument, invoiceNumber: string, amount: number): Draft {
  const first = invoice.lines[0]!;
  const line: LineInput = {
    kind: first.kind,
    description: `Refund: ${first.description}`,
    bundle: first.bundle,
    price: first.price,
    periodStart: first.period_start,
    periodEnd: first.period_end,
    quantity: 1,
    amount,
    tax: first.tax,
  };
  const totals = computeTotals([line], true);
  return {
    totals,
    stored: {
      lines: [],
      tax_subtotals: [],
      seller: invoice.seller,
      buyer: invoice.buyer,
      notes: invoice.notes,
      invoice_number: invoiceNumber,
    },
    amountPaid: amount,
  };
}

/** The counter year and the printed number of a new document. */
export function numbering(
  provider: FiscalProvider | null,
  entity: LegalEntityRow,
  series: string,
  issueDate: string,
): { year: number; format(sequence: number): string } {
  const calendarYear = Number(issueDate.slice(0, 4));
  if (provider?.numbering) {
    const { format } = provider.numbering;
    const year = provider.numbering.yearly ? calendarYear : 0;
    return { year, format: (n) => format(series, year, n) };
  }
  const year = entity.numbering_reset === "yearly" ? calendarYear : 0;
  return { year, format: (n) => defaultNumber(series, year, n) };
}
