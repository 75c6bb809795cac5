import type { PaymentKind } from "@tessera/core";
import type { Scope } from "../../context.js";

/** A charge of a subscription before discounts. */
export interface ChargeToDiscount {
  subscriptionId: string;
  periodIndex: number;
  kind: PaymentKind;
  amount: number;
  currency: string;
}

/**
 * The one hook through which discounts reach money (modules/campaigns): the amount to charge after
 * the subscription's active discount. Called once per decided charge — first charge, renewal, trial
 * conversion, proration — before the charge is reserved; a dunning retry re-charges the unpaid
 * payment's amount, which already had it.
 */
export type DiscountCharge = (scope: Scope, charge: ChargeToDiscount) => Promise<number>;

export const noDiscount: DiscountCharge = async (_scope, charge) => charge.amount;
