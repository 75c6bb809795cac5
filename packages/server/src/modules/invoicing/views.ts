import type {
  BillingDetails,
  CreditNote,
  Invoice,
  InvoiceLine,
  InvoiceParty,
  LegalEntity,
  PostalAddress,
  TaxSubtotal,
} from "@tessera/core";
import type { BillingDetailsRow, InvoiceRow, LegalEntityRow } from "../../db/types.js";
import { fromJson } from "../../lib/json.js";

/** What a document row keeps as issued (immutable). */
export interface StoredDocument {
  lines: InvoiceLine[];
  tax_subtotals: TaxSubtotal[];
  seller: InvoiceParty;
  buyer: InvoiceParty;
  notes: string[];
  invoice_number?: string;
}

export function toLegalEntity(row: LegalEntityRow): LegalEntity {
  return {
    object: "legal_entity",
    storefront: row.storefront_id,
    legal_name: row.legal_name,
    address: fromJson<PostalAddress>(row.address, null as never),
    vat_id: row.vat_id,
    tax_number: row.tax_number,
    tax_office: row.tax_office,
    email: row.email,
    invoice_series: row.invoice_series,
    credit_note_series: row.credit_note_series,
    numbering_reset: row.numbering_reset,
    prices_include_tax: row.prices_include_tax === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toBillingDetails(row: BillingDetailsRow): BillingDetails {
  return {
    object: "billing_details",
    customer: row.customer_id,
    type: row.type,
    name: row.name,
    address: fromJson<PostalAddress>(row.address, null as never),
    vat_id: row.vat_id,
    tax_number: row.tax_number,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function common(row: InvoiceRow) {
  const doc = fromJson<StoredDocument>(row.document, null as never);
  return {
    doc,
    fields: {
      id: row.id,
      number: row.number,
      series: row.series,
      uuid: row.uuid,
      sequence: Number(row.sequence),
      storefront: row.storefront_id,
      customer: row.customer_id,
      subscription: row.subscription_id,
      payment: row.payment_id,
      issue_date: row.issue_date,
      currency: row.currency,
      lines: doc.lines,
      tax_subtotals: doc.tax_subtotals,
      net_total: Number(row.net_total),
      tax_total: Number(row.tax_total),
      rounding_amount: Number(row.rounding_amount),
      total: Number(row.total),
      amount_paid: Number(row.amount_paid),
      amount_due: Number(row.total) - Number(row.amount_paid),
      seller: doc.seller,
      buyer: doc.buyer,
      notes: doc.notes,
      fiscal: {
        provider: row.fiscal_provider,
        status: row.fiscal_status,
        reference: row.fiscal_reference,
        reason: row.fiscal_reason,
        attempts: row.fiscal_attempts,
      },
      created_at: row.created_at,
    },
  };
}

export function toInvoice(row: InvoiceRow): Invoice {
  return {
    ...common(row).fields,
    object: "invoice",
    type_code: 380,
    credited_amount: Number(row.credited_amount),
    cancelled_at: row.cancelled_at,
  };
}

export function toCreditNote(row: InvoiceRow): CreditNote {
  const { doc, fields } = common(row);
  return {
    ...fields,
    object: "credit_note",
    type_code: 381,
    invoice: row.invoice_id ?? "",
    invoice_number: doc.invoice_number ?? "",
  };
}

export function toDocument(row: InvoiceRow): Invoice | CreditNote {
  return row.kind === "invoice" ? toInvoice(row) : toCreditNote(row);
}
