import { customerOnly, DAY, type DeclineRule, HOUR, hard, later, withNetworkAdvice } from "../declines.js";

/*
 * Braintree's authorization processor responses (developer.paypal.com/braintree/docs/reference/
 * general/processor-responses/authorization-responses) → soft or hard. Braintree marks each
 * decline SOFT or HARD itself (`declineType`); the table decides when its codes carry more than
 * that (when to retry, "try another acquirer"), and the networks' rules (../declines.ts) apply
 * the Mastercard merchant advice code Braintree passes through.
 */

export const BRAINTREE_DECLINES: Readonly<Record<string, DeclineRule & { text: string }>> = {
  "2000": { text: "Do Not Honor", ...later(DAY) },
  "2001": { text: "Insufficient Funds", ...later(DAY) },
  "2002": { text: "Limit Exceeded", ...later(DAY) },
  "2003": { text: "Cardholder's Activity Limit Exceeded", ...later(DAY) },
  "2004": { text: "Expired Card", ...hard },
  "2005": { text: "Invalid Credit Card Number", ...hard },
  "2006": { text: "Invalid Expiration Date", ...hard },
  "2007": { text: "No Account", ...hard },
  "2008": { text: "Card Account Length Error", ...hard },
  "2009": { text: "No Such Issuer", ...hard },
  "2010": { text: "Card Issuer Declined CVV", ...hard },
  "2011": { text: "Voice Authorization Required", ...hard },
  "2012": { text: "Processor Declined - Possible Lost Card", ...hard },
  "2013": { text: "Processor Declined - Possible Stolen Card", ...hard },
  "2014": { text: "Processor Declined - Fraud Suspected", ...hard },
  "2015": { text: "Transaction Not Allowed", ...hard },
  "2016": { text: "Duplicate Transaction", ...hard },
  "2017": { text: "Cardholder Stopped Billing", ...hard },
  "2018": { text: "Cardholder Stopped All Billing", ...hard },
  "2019": { text: "Invalid Transaction", ...hard },
  "2020": { text: "Violation", ...hard },
  "2021": { text: "Security Violation", ...hard },
  "2022": { text: "Declined - Updated Cardholder Available", ...hard },
  "2023": { text: "Processor Does Not Support This Feature", ...hard },
  "2024": { text: "Card Type Not Enabled", ...hard },
  "2038": { text: "Processor Declined", ...later(DAY) },
  "2041": { text: "Declined - Call For Approval", ...hard },
  "2043": { text: "Error - Do Not Retry, Call Issuer", ...hard },
  "2044": { text: "Declined - Call Issuer", ...hard },
  "2046": { text: "Declined", ...later(DAY) },
  "2047": { text: "Call Issuer. Pick Up Card", ...hard },
  "2053": { text: "Card reported as lost or stolen", ...hard },
  "2057": { text: "Issuer or Cardholder has put a restriction on the card", ...hard },
  "2059": { text: "Address Verification Failed", ...hard },
  "2060": { text: "Address Verification and Card Security Code Failed", ...hard },
  "2070": { text: "PayPal Buyer Revoked Pre-Approved Payment Authorization", ...hard },
  "2074": { text: "Funding Instrument In The PayPal Account Was Declined", ...later(DAY) },
  "2075": { text: "Payer Account Is Locked Or Closed", ...hard },
  "2076": { text: "Payer Cannot Pay For This Transaction With PayPal", ...hard },
  "2099": { text: "Cardholder Authentication Required", ...customerOnly },
  "2101": { text: "Processor Declined - Please Retry", ...later(HOUR) },
  "2108": { text: "Closed Card", ...hard },
  "3000": { text: "Processor Network Unavailable - Try Again", ...later(60, true) },
};

/** A code not in the table: Braintree's own SOFT/HARD verdict decides, spaced like a generic decline. */
export function declineRule(code: string, declineType?: "HARD" | "SOFT" | null, merchantAdviceCode?: string | null) {
  const row = BRAINTREE_DECLINES[code];
  const base: DeclineRule = row ? { hard: row.hard, retry: row.retry } : declineType === "HARD" ? hard : later(DAY);
  // Braintree's HARD verdict wins over a soft row: the issuer said no for good.
  return withNetworkAdvice(declineType === "HARD" ? hard : base, merchantAdviceCode);
}
