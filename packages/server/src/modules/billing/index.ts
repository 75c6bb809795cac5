/*
 * Billing's public entry: what other modules may use. Subscriptions creates and changes a
 * subscription (and owns its table); billing decides and charges periods. The two meet here and in
 * `subscriptions/index.ts` only, so either module's other files can change without the other noticing.
 */
export { type Apply, settleJob } from "./charge.js";
export { type ChargeTax, type ChargeTaxHook, type TaxedCharge, taxAudit, taxOf } from "./charge-tax.js";
export type { PendingChange } from "./decisions.js";
export { type ChargeToDiscount, type DiscountCharge, noDiscount } from "./discounts.js";
export { applyRetry } from "./outcomes.js";
export { addDays, type PriceTerms, periodBounds, sameCycle } from "./periods.js";
export { checkAt, checkJob, periodEndJob, pspTarget } from "./schedule.js";
export { type BillingService, billingService } from "./service.js";
