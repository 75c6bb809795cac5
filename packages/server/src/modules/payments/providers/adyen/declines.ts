import { customerOnly as customer, DAY, type DeclineRule, hard, later, withNetworkAdvice } from "../declines.js";

/*
 * Adyen's refusal reasons (docs.adyen.com/development-resources/refusal-reasons) by
 * refusalReasonCode → soft or hard and when a retry is allowed. Card-network rules win over the
 * table (../declines.ts): Mastercard merchant advice arrives in additionalData.merchantAdviceCode;
 * Visa category 1 answers arrive as Blocked Card, Restricted Card, Revocation Of Auth… and are hard here.
 */

export type { DeclineRule };

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

export function declineRule(refusalReasonCode: string, merchantAdviceCode?: string): DeclineRule {
  const table = ADYEN_DECLINES[refusalReasonCode] ?? UNKNOWN_DECLINE;
  return withNetworkAdvice({ hard: table.hard, retry: table.retry }, merchantAdviceCode);
}
