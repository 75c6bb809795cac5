/*
 * Subscriptions' public entry for billing: the one narrow path that writes the subscriptions table
 * (the store, with its compare-and-set on `version`) and the row readers billing needs. Every write
 * to a subscription, whoever decides it, goes through `SubscriptionStore`.
 */
export {
  chargeMethod,
  historyOf,
  type PendingPriceChangeState,
  pendingChangeOf,
  pendingPriceChangeOf,
} from "./model.js";
export * from "./privacy.js";
export { type Patch, StaleWrite, type SubscriptionStore, subscriptionStore, type Write } from "./store.js";
