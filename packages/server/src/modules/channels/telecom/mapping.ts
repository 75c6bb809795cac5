import type { ChannelEffect } from "../port.js";

/*
 * The states a carrier-billing aggregator reports for a recurring subscription (Fortumo/Boku
 * subscription callbacks: `subscription_status` with the last charge's `billing_status`) → our
 * external events. Keys are `subscription_status` or `subscription_status/billing_status`.
 *
 * * A free trial (`active/free`) starts a trial; a full charge renews; a partial charge (the
 *   prepaid balance was low and the carrier took what it could — some operators allow it) keeps
 *   access, the aggregator retries the rest.
 * * A failed charge for insufficient funds keeps access while the aggregator retries (grace);
 *   `suspended` (retries exhausted, or the carrier's own suspension) withdraws it.
 * * `cancelled` is the customer's SMS STOP, the carrier's customer care, or our cancel call: it ends
 *   now. `removed`/`expired` end it for good (the number was ported or deactivated, the term ran out).
 * * The authorisation (the charging token) invalidated by the operator or the customer — "block
 *   new charges" — is a revoke.
 */
export const TELECOM_MAPPING: Readonly<Record<string, ChannelEffect>> = {
  "active/free": { event: "external_renewed", trial: true, cancelAtPeriodEnd: false },
  "active/charged": { event: "external_renewed", cancelAtPeriodEnd: false },
  "active/partially_charged": { event: "external_renewed", cancelAtPeriodEnd: false },
  "active/failed": { event: "external_grace" },
  "active/insufficient_funds": { event: "external_grace" },
  suspended: { event: "external_on_hold" },
  cancelled: { event: "external_cancelled" },
  removed: { event: "external_expired" },
  expired: { event: "external_expired" },
  "authorisation/invalidated": { event: "revoked" },
};
