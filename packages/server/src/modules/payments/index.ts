/* payments' public entry for other modules: vendor plumbing shared with channels of the same vendor (HTTP exchange, currency exponents, PayPal's webhook signature and its test PKI for simulators), and its privacy handler. */

export * from "./methods-privacy.js";
export * from "./privacy.js";
export * from "./providers/currency.js";
export * from "./providers/http.js";
export * from "./providers/paypal/test-pki.js";
export * from "./providers/paypal/webhook-signature.js";
