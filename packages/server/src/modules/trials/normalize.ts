/*
 * Normalizing identities before they are compared, so one person cannot take a second trial with
 * a cosmetic variant of the same address or number.
 */

/** Providers that deliver `local+anything@` to `local@` (plus addressing). */
const PLUS_ADDRESSING = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "fastmail.com",
  "proton.me",
  "protonmail.com",
]);
/** Providers that ignore dots in the local part. */
const DOTS_IGNORED = new Set(["gmail.com", "googlemail.com"]);
const ALIASES: Record<string, string> = { "googlemail.com": "gmail.com" };

/** Lower case; `+tag` and dots removed where the provider ignores them; googlemail → gmail. */
export function normalizeEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return email.trim().toLowerCase();
  let local = email.slice(0, at).trim().toLowerCase();
  const domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase();
  if (PLUS_ADDRESSING.has(domain)) local = local.split("+")[0] ?? local;
  if (DOTS_IGNORED.has(domain)) local = local.replaceAll(".", "");
  return `${local}@${ALIASES[domain] ?? domain}`;
}

/** Digits only: `+49 170 …` and `0049170…` differ, so callers should send E.164. */
export function normalizeMsisdn(msisdn: string): string {
  return msisdn.replace(/\D/g, "").replace(/^00/, "");
}
