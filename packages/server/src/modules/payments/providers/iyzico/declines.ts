import { customerOnly, DAY, type DeclineRule, hard, later } from "../declines.js";

/*
 * iyzico's bank error codes (docs.iyzico.com/en/add-ons/error-codes/bank-error-codes: the bank's
 * ISO 8583 answer plus 10000, with an errorGroup) → soft or hard. Lost, stolen, pick-up, fraud,
 * blocked, restricted and expired cards are never retried (Visa category 1); "not now" answers are
 * retried later; communication errors and timeouts may go to another acquirer. iyzico passes no
 * Mastercard merchant advice code, so the table alone decides.
 */

export const IYZICO_DECLINES: Readonly<Record<string, DeclineRule & { group: string }>> = {
  "10005": { group: "DO_NOT_HONOUR", ...later(DAY) },
  "10012": { group: "INVALID_TRANSACTION", ...hard },
  "10034": { group: "FRAUD_SUSPECT", ...hard },
  "10041": { group: "LOST_CARD", ...hard },
  "10043": { group: "STOLEN_CARD", ...hard },
  "10051": { group: "NOT_SUFFICIENT_FUNDS", ...later(DAY) },
  "10054": { group: "EXPIRED_CARD", ...hard },
  "10057": { group: "NOT_PERMITTED_TO_CARDHOLDER", ...hard },
  "10058": { group: "NOT_PERMITTED_TO_TERMINAL", ...hard },
  "10084": { group: "INVALID_CVC2", ...hard },
  "10093": { group: "RESTRICTED_BY_LAW", ...hard },
  "10201": { group: "CARD_NOT_PERMITTED", ...hard },
  "10204": { group: "UNKNOWN", ...later(DAY) },
  "10206": { group: "INVALID_CVC2_LENGTH", ...hard },
  "10207": { group: "REFER_TO_CARD_ISSUER", ...hard },
  "10208": { group: "INVALID_MERCHANT_OR_SP", ...hard },
  "10209": { group: "BLOCKED_CARD", ...hard },
  "10210": { group: "INVALID_CAVV", ...customerOnly },
  "10211": { group: "INVALID_ECI", ...customerOnly },
  "10213": { group: "BIN_NOT_FOUND", ...hard },
  "10214": { group: "COMMUNICATION_OR_SYSTEM_ERROR", ...later(300, true) },
  "10215": { group: "INVALID_CARD_NUMBER", ...hard },
  "10216": { group: "NO_SUCH_ISSUER", ...hard },
  "10217": { group: "DEBIT_CARDS_REQUIRES_3DS", ...customerOnly },
  "10219": { group: "REQUEST_TIMEOUT", ...later(60, true) },
};

/** A bank code not in the table: a generic decline (retry later). */
export const UNKNOWN_DECLINE: DeclineRule = later(DAY);

/** Bank answers are 10000 + the ISO code; smaller codes are iyzico's validation and business errors. */
export const isBankDecline = (errorCode: string | undefined): boolean => /^10\d{3}$/.test(errorCode ?? "");

export function declineRule(errorCode: string): DeclineRule {
  const row = IYZICO_DECLINES[errorCode];
  return row ? { hard: row.hard, retry: row.retry } : UNKNOWN_DECLINE;
}
