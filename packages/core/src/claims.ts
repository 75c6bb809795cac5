import { z } from "zod";
import { Interval } from "./schemas/common.js";

/**
 * The entitlement token: a JWS the server issues for one customer of one storefront and the SDK
 * verifies offline. This file is the contract between the two; bump `ver` on any change that an
 * older SDK would misread (adding an optional claim is not such a change).
 */

/** JOSE header `typ` of every entitlement token, so no other JWT signed by the same key passes. */
export const TOKEN_TYP = "tessera-ent+jwt";

/** Signature algorithms a token may use. Asymmetric only: never `none`, never HMAC. */
export const TOKEN_ALGORITHMS = ["EdDSA", "ES256"] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/** Tokens longer than this (bytes of the compact JWS) are refused before any parsing. */
export const TOKEN_MAX_BYTES = 16 * 1024;

/** Current claims version (`ver`). */
export const CLAIMS_VERSION = 1;

/** Default token lifetime; the server never issues past the next known state change either. */
export const TOKEN_DEFAULT_TTL_SECONDS = 15 * 60;

const EpochSeconds = z.number().int().min(0);

/** `flag`: present means granted. Absent keys are not granted. */
export const FlagClaim = z.literal(true);
export type FlagClaim = z.infer<typeof FlagClaim>;

/**
 * `tier`: the highest granted level. `rank` is the level's index in the entitlement's ordered
 * levels, so `atLeast()` can compare offline; `levels` (optional) lets it compare by name too.
 */
export const TierClaim = z.object({
  level: z.string(),
  rank: z.number().int().min(0),
  levels: z.array(z.string()).optional(),
});
export type TierClaim = z.infer<typeof TierClaim>;

/** `quota`: limit and usage of the current period, as known when the token was issued. */
export const QuotaClaim = z.object({
  limit: z.number().int().min(0),
  used: z.number().int().min(0),
  remaining: z.number().int().min(0),
  resets_at: EpochSeconds,
  period: Interval,
});
export type QuotaClaim = z.infer<typeof QuotaClaim>;

/** `content`: the content ids the customer may access. */
export const ContentClaim = z.object({ ids: z.array(z.string()) });
export type ContentClaim = z.infer<typeof ContentClaim>;

/** One value of `ent`; the shape tells the kind (true / level / limit / ids). */
export const EntitlementClaim = z.union([FlagClaim, TierClaim, QuotaClaim, ContentClaim]);
export type EntitlementClaim = z.infer<typeof EntitlementClaim>;

/** The six subscription states, as carried in `subs[].status`. */
export const TOKEN_SUBSCRIPTION_STATUSES = ["trial", "active", "grace", "suspended", "cancelled", "expired"] as const;

/** A granting subscription, so apps can show "renews on …" without an API call. */
export const SubscriptionClaim = z.object({
  id: z.string(),
  bundle: z.string().meta({ description: "The bundle's key." }),
  status: z.enum(TOKEN_SUBSCRIPTION_STATUSES),
  current_period_end: EpochSeconds,
});
export type SubscriptionClaim = z.infer<typeof SubscriptionClaim>;

/**
 * The payload of an entitlement token. Times are epoch seconds (JWT NumericDate).
 * `tn` is the tenant id and `tn_slug` its slug, so a verifier configured with either matches.
 */
export const EntitlementClaims = z
  .object({
    iss: z.string().min(1).meta({ description: "Issuer: the server's base URL." }),
    sub: z.string().min(1).meta({ description: "Customer id." }),
    aud: z.string().min(1).meta({ description: "Storefront id." }),
    tn: z.string().min(1).meta({ description: "Tenant id." }),
    tn_slug: z.string().min(1).meta({ description: "Tenant slug." }),
    env: z.string().min(1).meta({ description: "Environment name, e.g. production." }),
    iat: EpochSeconds,
    nbf: EpochSeconds,
    exp: EpochSeconds,
    jti: z.string().min(1),
    ver: z.literal(CLAIMS_VERSION),
    ent: z.record(z.string(), EntitlementClaim),
    subs: z.array(SubscriptionClaim),
  })
  .meta({ id: "EntitlementClaims" });
export type EntitlementClaims = z.infer<typeof EntitlementClaims>;

/** Protected header of an entitlement token. `kid` names the signing key in the JWKS. */
export interface EntitlementTokenHeader {
  alg: TokenAlgorithm;
  typ: typeof TOKEN_TYP;
  kid: string;
}
