import type { EntitlementClaims } from "./generated/types.js";

/**
 * A hand-written check of the claims' shape, mirroring `EntitlementClaims` in `@tessera/core`.
 * Hand-written because zod would triple the SDK's weight in an app's bundle for one object;
 * `test/contract.test.ts` runs both over the same samples so they cannot drift apart.
 * Returns the path and reason of the first problem, or undefined when the shape is right.
 */
export function claimsProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "(root): must be an object";
  for (const name of ["iss", "sub", "aud", "tn", "tn_slug", "env", "jti"] as const) {
    if (!isNonEmptyString(value[name])) return `${name}: must be a non-empty string`;
  }
  for (const name of ["iat", "nbf", "exp"] as const) {
    if (!isEpoch(value[name])) return `${name}: must be a NumericDate (integer seconds)`;
  }
  const ent = value.ent;
  if (!isObject(ent)) return "ent: must be an object";
  for (const key in ent) {
    const problem = entitlementProblem(ent[key]);
    if (problem) return `ent.${key}: ${problem}`;
  }
  const subs = value.subs;
  if (!Array.isArray(subs)) return "subs: must be an array";
  for (let i = 0; i < subs.length; i++) {
    const problem = subscriptionProblem(subs[i]);
    if (problem) return `subs.${i}.${problem}`;
  }
  return undefined;
}

/** Narrows after {@link claimsProblem} returned undefined and `ver` was checked. */
export function asClaims(value: unknown): EntitlementClaims {
  return value as EntitlementClaims;
}

const PERIODS = new Set(["day", "week", "month", "year"]);
const STATUSES = new Set(["trial", "active", "grace", "suspended", "cancelled", "expired"]);

function entitlementProblem(v: unknown): string | undefined {
  if (v === true) return undefined;
  if (!isObject(v)) return "must be true or an object";
  if ("level" in v) {
    if (typeof v.level !== "string") return "level: must be a string";
    if (!isCount(v.rank)) return "rank: must be a non-negative integer";
    if (v.levels !== undefined && !isStringArray(v.levels)) return "levels: must be an array of strings";
    return undefined;
  }
  if ("limit" in v) {
    for (const name of ["limit", "used", "remaining"] as const) {
      if (!isCount(v[name])) return `${name}: must be a non-negative integer`;
    }
    if (!isEpoch(v.resets_at)) return "resets_at: must be a NumericDate";
    if (typeof v.period !== "string" || !PERIODS.has(v.period)) return "period: must be day, week, month or year";
    return undefined;
  }
  if ("ids" in v) return isStringArray(v.ids) ? undefined : "ids: must be an array of strings";
  return "is not a flag, tier, quota or content value";
}

function subscriptionProblem(v: unknown): string | undefined {
  if (!isObject(v)) return "(item): must be an object";
  if (typeof v.id !== "string") return "id: must be a string";
  if (typeof v.bundle !== "string") return "bundle: must be a string";
  if (typeof v.status !== "string" || !STATUSES.has(v.status)) return "status: must be a subscription state";
  if (!isEpoch(v.current_period_end)) return "current_period_end: must be a NumericDate";
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.length > 0;
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

const isEpoch = isCount;

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}
