import type { Customer } from "@tessera/core";
import type { Buyer } from "./provider.js";

/** What the buyer block takes from a customer's billing details (invoicing's BillingDetails). */
export interface BuyerDetails {
  name: string;
  tax_number: string | null;
  address: {
    line1: string;
    line2: string | null;
    city: string;
    postal_code: string | null;
    country: string;
  };
}

/**
 * The buyer a PSP reports, from our customer and their billing details: billing wins where both
 * have a field (it is what the customer declared for invoices); nothing is invented.
 */
export function buyerOf(customer: Customer, details: BuyerDetails | null, ip: string | null = null): Buyer {
  const address = details?.address;
  return {
    id: customer.id,
    email: customer.email,
    name: details?.name ?? customer.name,
    identityNumber: details?.tax_number ?? null,
    country: address?.country ?? customer.country,
    address: address
      ? {
          line1: address.line1,
          line2: address.line2,
          city: address.city,
          postalCode: address.postal_code,
          country: address.country,
        }
      : null,
    ip,
  };
}
