import type { RetryAdvice } from "../provider.js";

/*
 * The building blocks of every vendor's decline table (vendor code → soft or hard, when a retry
 * is allowed), and the card networks' rules that override any vendor table: Mastercard merchant
 * advice codes (MAC) 03 "do not try again" and 21 "stop recurring" — and 01 "new account
 * information", which only updated card data can fix — forbid a retry with the same credentials;
 * MAC 24–30 set the earliest retry. Visa category 1 answers (lost, stolen, pick-up, closed or
 * invalid account, revoked, not permitted) are hard rows in each vendor's table.
 */

export interface DeclineRule {
  hard: boolean;
  retry: RetryAdvice;
}

export const HOUR = 3_600;
export const DAY = 86_400;

/** Never retried with the same credentials. */
export const hard: DeclineRule = { hard: true, retry: { allowed: false } };

/** Retried after `afterSeconds`; `tryAnotherAcquirer` when another PSP may get through now. */
export const later = (afterSeconds: number, tryAnotherAcquirer = false): DeclineRule => ({
  hard: false,
  retry: { allowed: true, afterSeconds, ...(tryAnotherAcquirer && { tryAnotherAcquirer }) },
});

/** Only the customer, on session, can fix it (3-D Secure, a cancelled redirect): no unattended retry. */
export const customerOnly: DeclineRule = { hard: false, retry: { allowed: false } };

/** Mastercard merchant advice → rule; codes without retry advice are absent. */
export const MASTERCARD_ADVICE: Readonly<Record<string, DeclineRule>> = {
  "01": hard,
  "02": later(DAY),
  "03": hard,
  "21": hard,
  "24": later(HOUR),
  "25": later(DAY),
  "26": later(2 * DAY),
  "27": later(4 * DAY),
  "28": later(6 * DAY),
  "29": later(8 * DAY),
  "30": later(10 * DAY),
};

/** A merchant advice code as vendors send it ("03", "03: Do Not Try Again", "3"): its two digits. */
export function merchantAdvice(value: string | undefined | null): string | undefined {
  const digits = /^\s*(\d{1,2})\b/.exec(value ?? "")?.[1];
  return digits?.padStart(2, "0");
}

/** The table's rule with the network's advice applied: advice may harden or delay, never soften a hard row. */
export function withNetworkAdvice(rule: DeclineRule, mac: string | undefined | null): DeclineRule {
  const code = merchantAdvice(mac);
  const advised = code ? MASTERCARD_ADVICE[code] : undefined;
  if (!advised || rule.hard) return rule;
  return advised;
}
