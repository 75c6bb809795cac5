import type { PaymentTax, Price } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { CustomersService } from "../customers/service.js";
import { taxOn } from "./amounts.js";
import { buyerOf, includesTax, sellerOf } from "./issue.js";
import * as repo from "./repo.js";
import { decideTax } from "./tax.js";

export interface TaxedAmountInput {
  storefront: string;
  customer: string;
  price: Pick<Price, "tax_code" | "tax_behavior">;
  /** What the price asks for this charge, after any discount or proration. */
  netAmount: number;
}

export interface TaxedAmount {
  /** What to charge. */
  amount: number;
  /** The tax added (kept on the payment so its invoice uses it), or null when none was added. */
  tax: PaymentTax | null;
}

/**
 * What a charge collects: a tax-inclusive price (or a storefront that does not invoice) as it is;
 * a tax-exclusive one net + tax, decided by the rules and the rounding the invoice uses
 * (`decideTax`, `taxOn` on the line's net), so the invoice's total is the captured amount.
 * A zero-rate decision (reverse charge, export) adds nothing but is still kept, for the audit.
 */
export function taxedAmounts(deps: Deps, o: { customers: Pick<CustomersService, "requireCustomer"> }) {
  return async function taxedAmount(scope: Scope, input: TaxedAmountInput): Promise<TaxedAmount> {
    const unchanged = { amount: input.netAmount, tax: null };
    if (input.netAmount <= 0) return unchanged;
    const entity = await repo.findLegalEntity(deps.db, scope, input.storefront);
    if (!entity || includesTax({ entity, price: input.price as Price })) return unchanged;
    const [customer, details] = await Promise.all([
      o.customers.requireCustomer(scope, input.customer),
      repo.findBillingDetails(deps.db, scope, input.customer),
    ]);
    const buyer = buyerOf(details, customer);
    const decision = decideTax({
      seller: { country: sellerOf(entity).country ?? "", vatId: entity.vat_id },
      buyer: { country: buyer.country, business: buyer.business, vatId: buyer.vat_id },
      taxCode: input.price.tax_code ?? "electronic_service",
    });
    const tax = taxOn(input.netAmount, decision.rate);
    return { amount: input.netAmount + tax, tax: { amount: tax, decision } };
  };
}

export type TaxedAmountFn = ReturnType<typeof taxedAmounts>;
