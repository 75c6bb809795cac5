import type { PaymentTax, Price } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { PaymentRow } from "../../db/types.js";
import { fromJson } from "../../lib/json.js";
import type { AuditEntry } from "../audit/service.js";

/** Invoicing's `taxedAmount` (modules/invoicing/charge-tax.ts), registered when services are built. */
export type ChargeTaxHook = (
  scope: Scope,
  input: {
    storefront: string;
    customer: string;
    price: Pick<Price, "tax_code" | "tax_behavior">;
    netAmount: number;
  },
) => Promise<{ amount: number; tax: PaymentTax | null }>;

export interface TaxedCharge {
  amount: number;
  tax: PaymentTax | null;
}

/**
 * The last step of deciding a charge's amount: after discounts and proration, the final net is
 * handed to invoicing, which adds tax for a tax-exclusive price. Without a hook (no invoicing,
 * e.g. a unit test) the amount is charged as it is.
 */
export function chargeTax() {
  let hook: ChargeTaxHook | undefined;
  return {
    register(h: ChargeTaxHook): void {
      hook = h;
    },
    async taxed(
      scope: Scope,
      who: { storefront: string; customer: string },
      price: Pick<Price, "tax_code" | "tax_behavior">,
      netAmount: number,
    ): Promise<TaxedCharge> {
      if (!hook) return { amount: netAmount, tax: null };
      return hook(scope, { ...who, price, netAmount });
    },
  };
}

export type ChargeTax = ReturnType<typeof chargeTax>;

/** The tax a payment carries (a retry charges the same amount with the same tax). */
export function taxOf(payment: PaymentRow): PaymentTax | null {
  if (payment.tax_amount === null) return null;
  return {
    amount: Number(payment.tax_amount),
    decision: fromJson<PaymentTax["decision"] | null>(payment.tax_decision, null)!,
  };
}

/** The tax decision as an audit entry, so the charge's lineage says why it was net + tax. */
export function taxAudit(payment: PaymentRow): AuditEntry | null {
  const tax = taxOf(payment);
  if (!tax) return null;
  const d = tax.decision;
  return {
    kind: "decision",
    action: "payment.tax",
    object: { id: payment.id, object: "payment" },
    reason: `${d.rule}: ${d.category} at ${d.rate}%`,
    data: {
      rule: d.rule,
      category: d.category,
      rate: d.rate,
      country: (d.inputs.buyer_country as string | null) ?? (d.inputs.seller_country as string | null),
      net: Number(payment.amount) - tax.amount,
      tax: tax.amount,
    },
  };
}
