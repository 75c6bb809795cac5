import { z } from "zod";
import { TOKEN_ALGORITHMS, TOKEN_SUBSCRIPTION_STATUSES } from "../claims.js";
import { EntitlementKind } from "./catalog.js";
import { Interval, Key, ListQuery, Timestamp } from "./common.js";

/*
 * A customer's effective entitlements (the merge of granting subscriptions and manual grants),
 * manual grants, metered usage, checks, entitlement tokens and the keys that sign them.
 */

/** One entitlement as a customer has it now. Only the fields of its kind are non-null. */
export const CustomerEntitlement = z
  .object({
    key: z.string(),
    entitlement_id: z.string(),
    kind: EntitlementKind,
    level: z.string().nullable().meta({ description: "tier: the highest granted level." }),
    rank: z.number().int().nullable().meta({ description: "tier: the level's index in `levels` (0 = lowest)." }),
    levels: z.array(z.string()).nullable().meta({ description: "tier: every level, lowest first." }),
    limit: z.number().int().nullable().meta({ description: "quota: the sum of every source's limit." }),
    used: z.number().int().nullable().meta({ description: "quota: used in the current window." }),
    remaining: z.number().int().nullable().meta({ description: "quota: max(0, limit - used)." }),
    period: Interval.nullable().meta({ description: "quota: the window length." }),
    resets_at: Timestamp.nullable().meta({ description: "quota: when the current window ends." }),
    content: z.array(z.string()).nullable().meta({ description: "content: the union of granted ids." }),
    sources: z.array(z.string()).meta({ description: "Ids of the subscriptions (sub_…) and grants (grt_…)." }),
  })
  .meta({ id: "CustomerEntitlement" });
export type CustomerEntitlement = z.infer<typeof CustomerEntitlement>;

export const SubscriptionStatusName = z.enum(TOKEN_SUBSCRIPTION_STATUSES);

export const EntitlementSubscription = z
  .object({
    id: z.string(),
    bundle: z.string().meta({ description: "Bundle id." }),
    bundle_key: z.string(),
    status: SubscriptionStatusName,
    current_period_end: Timestamp,
  })
  .meta({ id: "EntitlementSubscription" });

export const CustomerEntitlements = z
  .object({
    object: z.literal("customer_entitlements"),
    customer: z.string(),
    storefront: z.string(),
    entitlements: z.array(CustomerEntitlement),
    subscriptions: z.array(EntitlementSubscription).meta({ description: "The subscriptions granting now." }),
    next_change_at: Timestamp.nullable().meta({
      description: "The next known change: a grant expiring, a subscription changing, a quota window resetting.",
    }),
    as_of: Timestamp,
  })
  .meta({ id: "CustomerEntitlements" });
export type CustomerEntitlements = z.infer<typeof CustomerEntitlements>;

/** A manual grant's value fields are those of a bundle entitlement: one per kind, none for a flag. */
export const CreateGrant = z
  .object({
    entitlement: Key.meta({ description: "The entitlement's key." }),
    limit: z.number().int().min(0).optional().meta({ description: "quota: units per period" }),
    level: z.string().optional().meta({ description: "tier: one of the entitlement's levels" }),
    content: z.array(z.string().min(1)).max(10_000).optional().meta({ description: "content: content ids" }),
    expires_at: Timestamp.optional().meta({ description: "Stops granting at this instant (environment clock)." }),
    reason: z.string().min(1).max(500).meta({ description: "Why: a comp, a support case, …" }),
  })
  .strict()
  .meta({ id: "CreateGrant" });
export type CreateGrant = z.infer<typeof CreateGrant>;

export const GrantStatus = z.enum(["active", "expired", "revoked"]);

export const Grant = z
  .object({
    id: z.string(),
    object: z.literal("grant"),
    customer: z.string(),
    entitlement: z.string().meta({ description: "The entitlement's key." }),
    entitlement_id: z.string(),
    kind: EntitlementKind,
    limit: z.number().int().nullable(),
    level: z.string().nullable(),
    content: z.array(z.string()).nullable(),
    reason: z.string(),
    status: GrantStatus,
    expires_at: Timestamp.nullable(),
    revoked_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: "Grant" });
export type Grant = z.infer<typeof Grant>;

const IdempotencyKeyField = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII");

export const RecordUsage = z
  .object({
    entitlement: Key.meta({ description: "A quota entitlement's key." }),
    quantity: z.number().int().min(1).max(1_000_000_000),
    idempotency_key: IdempotencyKeyField.optional().meta({
      description: "Records the use once, forever (the Idempotency-Key header is used when absent).",
    }),
    timestamp: Timestamp.optional().meta({ description: "When the use happened (default now); picks the window." }),
  })
  .strict()
  .meta({ id: "RecordUsage" });
export type RecordUsage = z.infer<typeof RecordUsage>;

/** Where a usage record comes from. */
export const USAGE_SOURCES = ["usage", "check"] as const;
export type UsageSource = (typeof USAGE_SOURCES)[number];

export const UsageRecord = z
  .object({
    id: z.string(),
    object: z.literal("usage_record"),
    customer: z.string(),
    entitlement: z.string(),
    quantity: z.number().int(),
    timestamp: Timestamp,
    window_start: Timestamp,
    window_end: Timestamp,
    idempotency_key: z.string().nullable(),
    source: z.enum(USAGE_SOURCES).meta({
      description: "`usage`: recorded by POST /v1/customers/{id}/usage. `check`: taken by a check with `consume`.",
    }),
    duplicate: z.boolean().meta({ description: "True when this idempotency key was already recorded." }),
    used: z.number().int().meta({ description: "Used in that window, this use included." }),
    limit: z.number().int().nullable().meta({ description: "The customer's current limit (null: not entitled)." }),
    remaining: z.number().int().nullable(),
    created_at: Timestamp,
  })
  .meta({ id: "UsageRecord" });
export type UsageRecord = z.infer<typeof UsageRecord>;

export const UsageListQuery = ListQuery.extend({
  entitlement: z.string().min(1).optional().meta({ description: "Only this entitlement's records (id or key)." }),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: "Only records that occurred at or after this time." }),
  to: z.iso.datetime({ offset: true }).optional().meta({ description: "Only records that occurred before this time." }),
});
export type UsageListQuery = z.infer<typeof UsageListQuery>;

export const CheckEntitlement = z
  .object({
    entitlement: Key,
    quantity: z.number().int().min(1).max(1_000_000_000).default(1).meta({ description: "quota: units wanted." }),
    consume: z.boolean().default(false).meta({ description: "quota: take the units when allowed, atomically." }),
    level: z.string().optional().meta({ description: "tier: allowed when the customer's level is at least this." }),
    content_id: z.string().min(1).optional().meta({ description: "content: allowed when this id is granted." }),
  })
  .strict()
  .meta({ id: "CheckEntitlement" });
export type CheckEntitlement = z.infer<typeof CheckEntitlement>;

export const CHECK_CODES = [
  "OK",
  "NOT_ENTITLED",
  "QUOTA_EXCEEDED",
  "TIER_TOO_LOW",
  "CONTENT_NOT_GRANTED",
  "UNKNOWN_ENTITLEMENT",
] as const;
export type CheckCode = (typeof CHECK_CODES)[number];

/** Decisions are data: a refusal is 200 with `allowed: false` and a code. */
export const EntitlementCheck = z
  .object({
    object: z.literal("entitlement_check"),
    allowed: z.boolean(),
    code: z.enum(CHECK_CODES),
    customer: z.string(),
    entitlement: z.string(),
    kind: EntitlementKind.nullable(),
    consumed: z.number().int().meta({ description: "Units taken by this call (0 unless consume and allowed)." }),
    limit: z.number().int().nullable(),
    used: z.number().int().nullable(),
    remaining: z.number().int().nullable(),
    resets_at: Timestamp.nullable(),
    level: z.string().nullable(),
  })
  .meta({ id: "EntitlementCheck" });
export type EntitlementCheck = z.infer<typeof EntitlementCheck>;

export const IssueToken = z
  .object({
    ttl_seconds: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "Ask for a shorter life than the server's (never longer; capped by the next change)." }),
  })
  .strict()
  .meta({ id: "IssueToken" });
export type IssueToken = z.infer<typeof IssueToken>;

export const TokenAlgorithmName = z.enum(TOKEN_ALGORITHMS);

export const EntitlementToken = z
  .object({
    object: z.literal("entitlement_token"),
    token: z.string().meta({ description: "Compact JWS; verify with the SDK or any JOSE library." }),
    alg: TokenAlgorithmName,
    kid: z.string(),
    issued_at: Timestamp,
    expires_at: Timestamp,
    expires_in: z.number().int().meta({ description: "Seconds." }),
    jwks_url: z.string().meta({ description: "Where the public keys are (no credentials needed)." }),
  })
  .meta({ id: "EntitlementToken" });
export type EntitlementToken = z.infer<typeof EntitlementToken>;

export const SigningKeyStatus = z.enum(["pending", "active", "retiring", "retired"]);

export const SigningKey = z
  .object({
    id: z.string().meta({ description: "Also the `kid` of the tokens it signs." }),
    object: z.literal("signing_key"),
    alg: TokenAlgorithmName,
    status: SigningKeyStatus.meta({
      description:
        "pending: published, signs from activates_at; active: signs; retiring: published until its last token expired; retired: gone from the JWKS.",
    }),
    public_jwk: z.record(z.string(), z.unknown()),
    created_at: Timestamp,
    rotated_at: Timestamp.nullable().meta({ description: "When it stopped (or stops) signing." }),
    retires_at: Timestamp.nullable(),
    activates_at: Timestamp.nullable().meta({
      description: "When a rotated-in key starts signing; it is published from created_at. Null: from creation.",
    }),
  })
  .meta({ id: "SigningKey" });
export type SigningKey = z.infer<typeof SigningKey>;

export const RotateSigningKey = z
  .object({
    alg: TokenAlgorithmName.optional().meta({ description: "Default: the current key's algorithm, else EdDSA." }),
    activate_after_seconds: z.number().int().min(0).max(86_400).optional().meta({
      description:
        "How long the new key is published before it signs. Default the server's TESSERA_KEY_ROTATION_LEAD_SECONDS (300), longer than any verifier's JWKS cache plus refetch cooldown. 0 only for a compromised key: verifiers holding a cached key set refuse the new key's tokens until they refetch.",
    }),
  })
  .strict()
  .meta({ id: "RotateSigningKey" });
export type RotateSigningKey = z.infer<typeof RotateSigningKey>;

export const Jwks = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: "Jwks", description: "RFC 7517 JSON Web Key Set of the public signing keys." });
export type Jwks = z.infer<typeof Jwks>;

/**
 * The object of a `customer.entitlements_updated` event: the customer's new effective set and
 * which keys changed since the last such event (usage within a quota window is not a change).
 */
export const CustomerEntitlementsUpdate = CustomerEntitlements.omit({ object: true })
  .extend({
    id: z.string().meta({ description: "The customer id (the event's object)." }),
    object: z.literal("customer_entitlements"),
    added: z.array(z.string()).meta({ description: "Keys the customer has now and did not have." }),
    removed: z.array(z.string()).meta({ description: "Keys the customer had and has no longer." }),
    changed: z.array(z.string()).meta({ description: "Keys whose value changed (level, limit, content, period)." }),
  })
  .meta({ id: "CustomerEntitlementsUpdate" });
export type CustomerEntitlementsUpdate = z.infer<typeof CustomerEntitlementsUpdate>;
