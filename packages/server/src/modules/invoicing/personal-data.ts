import type { CreditNote, Invoice, InvoiceParty } from "@tessera/core";

/*
 * Personal data in invoicing, after customers/personal-data.ts. An issued invoice must be kept as
 * issued for years (the buyer's name, address and tax ids are part of it), so its row is not
 * erased. What the law does not ask to keep is not copied: event snapshots (immutable, sent to
 * webhooks) carry the document without the buyer's details, and the customer's billing details
 * themselves are deleted on erasure (`eraseBillingDetails`), so no invoice issued after it names
 * the person.
 */

/** The buyer fields that identify a person: in the invoice row only, never in events. */
export const BUYER_PERSONAL_FIELDS = ["name", "address", "country", "vat_id", "tax_number"] as const;

const withheld: InvoiceParty = {
  name: null,
  address: null,
  country: null,
  vat_id: null,
  tax_number: null,
  business: false,
};

/** The document as an event carries it: read the invoice through the API for the buyer. */
export function forEvent<T extends Invoice | CreditNote>(doc: T): T {
  return { ...doc, buyer: { ...withheld, business: doc.buyer.business } };
}
