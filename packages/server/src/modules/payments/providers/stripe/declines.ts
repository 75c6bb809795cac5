import { customerOnly, DAY, type DeclineRule, HOUR, hard, later, withNetworkAdvice } from "../declines.js";

/*
 * Stripe's decline codes (docs.stripe.com/declines/codes) → soft or hard, and when a retry is
 * allowed. Hard rows are the issuer's "never approve" answers: Visa category 1 (lost, stolen,
 * pick-up, closed or invalid account, not permitted, stop payment) and Mastercard merchant advice
 * 03/21 ("do not try again", "stop recurring") must never be retried, whatever our dunning says.
 */

export type { DeclineRule };

export const STRIPE_DECLINES: Readonly<Record<string, DeclineRule>> = {
  // Soft: the issuer may approve later (Visa category 2/3, Mastercard 02).
  insufficient_funds: later(DAY),
  do_not_honor: later(DAY),
  generic_decline: later(DAY),
  card_velocity_exceeded: later(DAY),
  withdrawal_count_limit_exceeded: later(DAY),
  try_again_later: later(HOUR),
  approve_with_id: later(HOUR),
  processing_error: later(300),
  reenter_transaction: later(300),
  // The issuer could not be reached: another acquirer may get through now.
  issuer_not_available: later(60, true),
  // Off-session charge needs 3-D Secure: only the customer, on session, can fix it.
  authentication_required: customerOnly,
  // Hard: never retried with the same card details.
  lost_card: hard,
  stolen_card: hard,
  pickup_card: hard,
  restricted_card: hard,
  fraudulent: hard,
  merchant_blacklist: hard,
  security_violation: hard,
  invalid_account: hard,
  new_account_information_available: hard,
  stop_payment_order: hard,
  revocation_of_authorization: hard,
  revocation_of_all_authorizations: hard,
  transaction_not_allowed: hard,
  not_permitted: hard,
  service_not_allowed: hard,
  do_not_try_again: hard,
  expired_card: hard,
  incorrect_number: hard,
  invalid_number: hard,
  incorrect_cvc: hard,
  invalid_cvc: hard,
  invalid_expiry_month: hard,
  invalid_expiry_year: hard,
  card_not_supported: hard,
  currency_not_supported: hard,
  invalid_amount: hard,
  duplicate_transaction: hard,
  call_issuer: hard,
  no_action_taken: hard,
  testmode_decline: hard,
  payment_method_unknown: hard,
};

/** A code not in the table: treated as Stripe documents generic_decline (retry later). */
export const UNKNOWN_DECLINE: DeclineRule = later(DAY);

/**
 * The rule for a decline, with Stripe's per-charge advice taking precedence over the table:
 * `advice_code: do_not_try_again` makes any decline hard, and the Mastercard `network_advice_code`
 * applies the networks' rules (../declines.ts).
 */
export function declineRule(code: string, advice?: { adviceCode?: string; networkAdviceCode?: string }): DeclineRule {
  if (advice?.adviceCode === "do_not_try_again") return hard;
  return withNetworkAdvice(STRIPE_DECLINES[code] ?? UNKNOWN_DECLINE, advice?.networkAdviceCode);
}
