/* invoicing's public entry for other modules: its privacy handler, which the privacy module registers. */

export { type TaxedAmount, type TaxedAmountFn, type TaxedAmountInput, taxedAmounts } from "./charge-tax.js";
export * from "./privacy.js";
