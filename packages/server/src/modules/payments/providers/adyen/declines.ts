import type { RetryAdvice } from "../../provider.js";

/*
 * Adyen's refusal reasons (docs.adyen.com/development-resources/refusal-reasons) by
 * refusalReasonCode → soft or hard and when a retry is allowed. Card-network rules win over the
 * table: Mastercard merchant advice codes (additionalData.merchantAdviceCode) 01/03/21 forbid a
 * retry with the same data, 24–30 set the earliest retry; Visa category 1 answers arrive as
 * Blocked Card, Restricted Card, Revocation Of Auth… and are hard here.
 */

export interface DeclineRule {
  hard: boolean;
  retry: RetryAdvice;
}

const HOUR = 3_600;
const DAY = 86_400;
const hard: DeclineRule = { hard: true, retry: { allowed: false } };
const later = (afterSeconds: number, tryAnotherAcquirer = false): DeclineRule => ({
  hard: false,
  retry: { allowed: true, afterSeconds, ...(tryAnotherAcquirer && { tryAnotherAcquirer }) },
});
/** Only the customer, on session, can fix it (3-D Secure). */
const customer: DeclineRule = { hard: false, retry: { allowed: false } };

export const ADYEN_DECLINES: Readonly<Record<string, DeclineRule & { reason: string }>> = {
  "2": { reason: "Refused", ...later(DAY) },
  "3": { reason: "Referral", ...hard },
  "4": { reason: "Acquirer Error", ...later(300, true) },
  "5": { reason: "Blocked Card", ...hard },
  "6": { reason: "Expired Card", ...hard },
  "7": { reason: "Invalid Amount", ...hard },
  "8": { reason: "Invalid Card Number", ...hard },
  "9": { reason: "Issuer Unavailable", ...later(60, true) },
  "10": { reason: "Not supported", ...hard },
  "11": { reason: "3D Not Authenticated", ...customer },
  "12": { reason: "Not enough balance", ...later(DAY) },
  "14": { reason: "Acquirer Fraud", ...hard },
  "15": { reason: "Cancelled", ...hard },
  "16": { reason: "Shopper Cancelled", ...customer },
  "20": { reason: "FRAUD", ...hard },
  "21": { reason: "Not Submitted", ...hard },
  "22": { reason: "FRAUD-CANCELLED", ...hard },
  "23": { reason: "Transaction Not Permitted", ...hard },
  "24": { reason: "CVC Declined", ...hard },
  "25": { reason: "Restricted Card", ...hard },
  "26": { reason: "Revocation Of Auth", ...hard },
  "27": { reason: "Declined Non Generic", ...hard },
  "28": { reason: "Withdrawal amount exceeded", ...later(DAY) },
  "29": { reason: "Withdrawal count exceeded", ...later(DAY) },
  "31": { reason: "Issuer Suspected Fraud", ...hard },
  "32": { reason: "AVS Declined", ...hard },
  "38": { reason: "Authentication required", ...customer },
  "42": { reason: "3DS Authentication Error", ...customer },
  "46": { reason: "Transaction blocked by Adyen to prevent excessive retry fees", ...hard },
};

/** A code not in the table: Adyen's generic "Refused" (retry later). */
export const UNKNOWN_DECLINE: DeclineRule = later(DAY);

/** Mastercard merchant advice → rule; undefined when the code carries no retry advice. */
const MERCHANT_ADVICE: Readonly<Record<string, DeclineRule>> = {
  "01": hard, // new account information available: retry only with updated card data
  "02": later(DAY),
  "03": hard, // do not try again
  "21": hard, // stop recurring payments
  "24": later(HOUR),
  "25": later(DAY),
  "26": later(2 * DAY),
  "27": later(4 * DAY),
  "28": later(6 * DAY),
  "29": later(8 * DAY),
  "30": later(10 * DAY),
};

/** `additionalData.merchantAdviceCode` reads like "03: Do Not Try Again"; the two digits decide. */
export function merchantAdvice(value: string | undefined): string | undefined {
  return /^\s*(\d{2})/.exec(value ?? "")?.[1];
}

export function declineRule(refusalReasonCode: string, merchantAdviceCode?: string): DeclineRule {
  const mac = merchantAdvice(merchantAdviceCode);
  const table = ADYEN_DECLINES[refusalReasonCode] ?? UNKNOWN_DECLINE;
  const advised = mac ? MERCHANT_ADVICE[mac] : undefined;
  // The network's advice overrides, but can never make a hard refusal retryable.
  if (!advised || table.hard) return { hard: table.hard, retry: table.retry };
  return advised;
}
