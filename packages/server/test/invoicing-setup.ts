import type { ApiClient } from "./harness.js";

/** A German seller (VAT-registered) for a storefront, so it invoices; `overrides` replace fields. */
export async function setLegalEntity(api: ApiClient, storefront: string, overrides: Record<string, unknown> = {}) {
  const res = await api("PUT", `/v1/storefronts/${storefront}/legal-entity`, {
    legal_name: "Tessera Demo GmbH",
    address: { line1: "Müllerstraße 1", city: "München", postal_code: "80331", country: "DE" },
    vat_id: "DE123456789",
    ...overrides,
  });
  if (res.status !== 200)
    throw new Error(`setting the legal entity answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
