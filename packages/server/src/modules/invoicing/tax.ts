import { EU_COUNTRIES, type TaxCategory, type TaxDecision } from "@tessera/core";
import { rateFor, type TaxCode } from "./tax-rates.js";

export interface TaxParties {
  seller: { country: string; vatId: string | null };
  buyer: { country: string | null; business: boolean; vatId: string | null };
  /** What the line sells (the price's tax code): e-books take a country's e-book rate where it has one. */
  taxCode: TaxCode;
}

export const REVERSE_CHARGE_NOTE =
  "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC).";
export const EXPORT_NOTE = "Export outside the EU: not subject to EU VAT (place of supply outside the EU).";
export const TR_EXPORT_NOTE = "Hizmet ihracatı: KDV istisnası (3065 sayılı KDV Kanunu md. 11/1-a).";
export const OUT_OF_SCOPE_NOTE = "Not subject to VAT: the seller is not registered for VAT here.";

function decision(
  rule: string,
  inputs: TaxDecision["inputs"],
  category: TaxCategory,
  rate: { rate: string; rateClass: TaxDecision["rate_class"] },
  note: string | null = null,
): TaxDecision {
  return { rule, inputs, category, rate: rate.rate, rate_class: rate.rateClass, note };
}

const ZERO = { rate: "0", rateClass: null };

/**
 * Which tax a line carries, and the rule that decided it (stored on the line). Digital services:
 * within the EU the place of supply is the customer's country for consumers (OSS) and the
 * business customer's for B2B, where a customer with a VAT id of another member state accounts
 * for it (reverse charge, AE); outside the EU no EU VAT is due (G, or O when the seller has no VAT
 * id, as EN 16931 wants); Turkey charges KDV at home. Where VAT is charged, the rate is the
 * taxing country's for what the line sells (its e-book rate for `e_book`, else the standard one),
 * and the decision names the column (`rate_class`). A VAT id's format is checked at input; its
 * registration (VIES) is not asked (docs/invoicing.md).
 */
export function decideTax(p: TaxParties): TaxDecision {
  const buyerCountry = p.buyer.country ?? p.seller.country;
  const inputs: TaxDecision["inputs"] = {
    seller_country: p.seller.country,
    seller_vat_id: p.seller.vatId !== null,
    buyer_country: p.buyer.country,
    buyer_business: p.buyer.business,
    buyer_vat_id: p.buyer.vatId !== null,
    tax_code: p.taxCode,
  };
  const rateOf = (country: string) => rateFor(country, p.taxCode)!;

  if (p.seller.country === "TR") {
    if (buyerCountry === "TR") return decision("tr_kdv", inputs, "S", rateOf("TR")!);
    return decision("export", inputs, "G", ZERO, TR_EXPORT_NOTE);
  }
  if (EU_COUNTRIES.has(p.seller.country)) {
    if (!p.seller.vatId) return decision("seller_not_registered", inputs, "O", ZERO, OUT_OF_SCOPE_NOTE);
    if (buyerCountry === p.seller.country) return decision("domestic", inputs, "S", rateOf(buyerCountry)!);
    if (EU_COUNTRIES.has(buyerCountry)) {
      if (p.buyer.business && p.buyer.vatId)
        return decision("eu_b2b_reverse_charge", inputs, "AE", ZERO, REVERSE_CHARGE_NOTE);
      return decision("oss_b2c", inputs, "S", rateOf(buyerCountry)!);
    }
    return decision("export", inputs, "G", ZERO, EXPORT_NOTE);
  }
  return decision("seller_outside_scope", inputs, "O", ZERO, OUT_OF_SCOPE_NOTE);
}
