import { z } from "zod";
import { ListQuery, Timestamp } from "./common.js";
import { PostalAddress } from "./invoicing-parties.js";

/** EN 16931 VAT category codes (UNCL5305) Tessera issues. */
export const TaxCategory = z.enum(["S", "Z", "E", "AE", "G", "O"]).meta({
  description:
    "S standard/reduced rate, Z zero rated, E exempt, AE reverse charge, G export outside the EU, O outside the scope of VAT.",
});
export type TaxCategory = z.infer<typeof TaxCategory>;

export const FiscalStatus = z.enum(["none", "pending", "submitted", "accepted", "rejected", "cancelled"]).meta({
  description:
    "none: the storefront has no fiscal provider. pending → submitted → accepted | rejected at the fiscal provider; accepted → cancelled where the regime allows it (e-Arşiv iptal, POST /v1/invoices/{id}/cancel).",
});
export type FiscalStatus = z.infer<typeof FiscalStatus>;

export const InvoiceLineKind = z.enum(["subscription", "proration", "discount"]).meta({
  description: "discount lines (negative amounts) are filled by campaigns.",
});

export const TaxDecision = z
  .object({
    rule: z
      .string()
      .meta({ description: "Which rule decided: domestic, oss_b2c, eu_b2b_reverse_charge, export, tr_kdv." }),
    inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    category: TaxCategory,
    rate: z.string().meta({ description: "Percent as a decimal string (19, 5.5, 0)." }),
    rate_class: z.enum(["standard", "e_book"]).nullable().optional().meta({
      description:
        "Which rate of the taxing country was applied: its standard rate or its e-book rate (from the price's tax_code); null when no VAT is charged (AE, G, O).",
    }),
    note: z.string().nullable(),
  })
  .meta({ id: "TaxDecision" });
export type TaxDecision = z.infer<typeof TaxDecision>;

export const PaymentTax = z
  .object({
    amount: z.number().int().meta({ description: "The tax in the payment's amount, minor units." }),
    decision: TaxDecision,
  })
  .meta({
    id: "PaymentTax",
    description:
      "The tax added to a tax-exclusive price when the charge was decided: the payment's amount is net + this; its invoice uses the same numbers.",
  });
export type PaymentTax = z.infer<typeof PaymentTax>;

export const InvoiceLine = z
  .object({
    position: z.number().int().meta({ description: "1, 2, … (EN 16931 BT-126, the line identifier)." }),
    kind: InvoiceLineKind,
    description: z.string(),
    bundle: z.string().nullable(),
    price: z.string().nullable(),
    period_start: Timestamp.nullable(),
    period_end: Timestamp.nullable(),
    quantity: z.number().int(),
    unit_net_amount: z.number().int(),
    net_amount: z.number().int().meta({ description: "Minor units, without tax." }),
    tax_category: TaxCategory,
    tax_rate: z.string(),
    tax: TaxDecision,
  })
  .meta({ id: "InvoiceLine" });
export type InvoiceLine = z.infer<typeof InvoiceLine>;

export const TaxSubtotal = z
  .object({
    category: TaxCategory,
    rate: z.string(),
    taxable_amount: z.number().int(),
    tax_amount: z.number().int(),
    exemption_reason: z.string().nullable(),
  })
  .meta({ id: "TaxSubtotal" });
export type TaxSubtotal = z.infer<typeof TaxSubtotal>;

export const InvoiceParty = z
  .object({
    name: z.string().nullable(),
    address: PostalAddress.nullable(),
    country: z.string().nullable().meta({ description: "The party's country (the address's, or the customer's)." }),
    vat_id: z.string().nullable(),
    tax_number: z.string().nullable(),
    tax_office: z.string().nullable().optional(),
    business: z.boolean(),
  })
  .meta({ id: "InvoiceParty" });
export type InvoiceParty = z.infer<typeof InvoiceParty>;

export const FiscalState = z
  .object({
    provider: z.string().nullable(),
    status: FiscalStatus,
    reference: z.string().nullable().meta({ description: "The provider's id for the document (e-Arşiv: ETTN)." }),
    reason: z.string().nullable().meta({ description: "Why the provider rejected it, in its words." }),
    attempts: z.number().int(),
  })
  .meta({ id: "FiscalState" });

const documentFields = {
  id: z.string(),
  number: z.string().meta({ description: "Gapless per storefront and series (and year, where numbering resets)." }),
  series: z.string(),
  uuid: z.string().meta({ description: "The document's UUID (cbc:UUID; Turkey: the ETTN)." }),
  sequence: z.number().int(),
  storefront: z.string(),
  customer: z.string(),
  subscription: z.string().nullable(),
  payment: z.string(),
  issue_date: z.string().meta({ description: "YYYY-MM-DD, UTC." }),
  currency: z.string(),
  lines: z.array(InvoiceLine),
  tax_subtotals: z.array(TaxSubtotal),
  net_total: z.number().int(),
  tax_total: z.number().int(),
  rounding_amount: z.number().int().meta({
    description: "EN 16931 BT-114. 0 on documents issued since tax-inclusive totals split the gross exactly.",
  }),
  total: z.number().int().meta({ description: "What is payable: net + tax + rounding." }),
  amount_paid: z.number().int().meta({ description: "EN 16931 BT-113: what the payment captured." }),
  amount_due: z.number().int().meta({ description: "total − amount_paid (0 when the charge paid it all)." }),
  seller: InvoiceParty,
  buyer: InvoiceParty,
  notes: z.array(z.string()),
  fiscal: FiscalState,
  created_at: Timestamp,
};

export const Invoice = z
  .object({
    ...documentFields,
    object: z.literal("invoice"),
    type_code: z.literal(380),
    credited_amount: z.number().int(),
    cancelled_at: Timestamp.nullable().meta({
      description: "When the invoice was cancelled with its fiscal provider (e-Arşiv iptal); null while it stands.",
    }),
  })
  .meta({ id: "Invoice" });
export type Invoice = z.infer<typeof Invoice>;

export const CreditNote = z
  .object({
    ...documentFields,
    object: z.literal("credit_note"),
    type_code: z.literal(381),
    invoice: z.string().meta({ description: "The invoice it credits (EN 16931 billing reference)." }),
    invoice_number: z.string(),
  })
  .meta({ id: "CreditNote" });
export type CreditNote = z.infer<typeof CreditNote>;

export const InvoiceListQuery = ListQuery.extend({
  customer: z.string().min(1).optional(),
  subscription: z.string().min(1).optional(),
  payment: z.string().min(1).optional(),
  storefront: z.string().min(1).optional(),
});
export type InvoiceListQuery = z.infer<typeof InvoiceListQuery>;

export const InvoiceBackfillInput = z
  .object({
    storefront: z.string().min(1).meta({ description: "The storefront (id or key) whose charges to invoice." }),
    since: Timestamp.optional().meta({
      description: "Only charges created at or after this instant (e.g. when invoicing elsewhere stopped).",
    }),
    limit: z.number().int().min(1).max(200).default(50).meta({ description: "Charges per call, oldest first." }),
    dry_run: z
      .boolean()
      .default(false)
      .meta({ description: "List the charges that would be invoiced; issue nothing." }),
  })
  .strict()
  .meta({ id: "InvoiceBackfillInput" });
export type InvoiceBackfillInput = z.infer<typeof InvoiceBackfillInput>;

export const InvoiceBackfill = z
  .object({
    object: z.literal("invoice_backfill"),
    storefront: z.string(),
    dry_run: z.boolean(),
    payments: z
      .array(z.string())
      .meta({ description: "The captured charges without an invoice taken in this call, oldest first." }),
    invoices: z.array(z.string()).meta({ description: "The invoices issued for them (empty on a dry run)." }),
    has_more: z.boolean().meta({ description: "More such charges remain: call again." }),
  })
  .meta({ id: "InvoiceBackfill" });
export type InvoiceBackfill = z.infer<typeof InvoiceBackfill>;
