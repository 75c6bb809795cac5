import { z } from "zod";
import { Currency, Interval, Key, Metadata, MinorUnits, Timestamp } from "./common.js";

export const EntitlementKind = z.enum(["flag", "tier", "quota", "content"]);
export type EntitlementKind = z.infer<typeof EntitlementKind>;

export const CatalogStatus = z.enum(["active", "archived"]);
export type CatalogStatus = z.infer<typeof CatalogStatus>;

const entitlementBase = {
  key: Key,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  metadata: Metadata.optional(),
};

/** Input: the fields each kind needs are required for that kind and refused for the others. */
export const CreateEntitlement = z
  .discriminatedUnion("kind", [
    z.object({ ...entitlementBase, kind: z.literal("flag") }).strict(),
    z
      .object({
        ...entitlementBase,
        kind: z.literal("tier"),
        levels: z
          .array(Key)
          .min(1)
          .max(50)
          .refine((l) => new Set(l).size === l.length, "levels must be unique")
          .meta({ description: "Ordered lowest to highest." }),
      })
      .strict(),
    z.object({ ...entitlementBase, kind: z.literal("quota"), period: Interval }).strict(),
    z
      .object({
        ...entitlementBase,
        kind: z.literal("content"),
        content_ids: z.array(z.string().min(1).max(200)).max(10_000).optional(),
      })
      .strict(),
  ])
  .meta({ id: "CreateEntitlement" });
export type CreateEntitlement = z.infer<typeof CreateEntitlement>;

export const UpdateEntitlement = z
  .object({
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    levels: z.array(Key).min(1).max(50).optional().meta({ description: "tier only; existing levels must be kept." }),
    content_ids: z.array(z.string().min(1).max(200)).max(10_000).optional(),
    metadata: Metadata.optional(),
    status: CatalogStatus.optional(),
  })
  .strict()
  .meta({ id: "UpdateEntitlement" });
export type UpdateEntitlement = z.infer<typeof UpdateEntitlement>;

export const Entitlement = z
  .object({
    id: z.string(),
    object: z.literal("entitlement"),
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    kind: EntitlementKind,
    levels: z.array(z.string()).nullable(),
    period: Interval.nullable(),
    content_ids: z.array(z.string()).nullable(),
    metadata: z.record(z.string(), z.string()),
    status: CatalogStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Entitlement" });
export type Entitlement = z.infer<typeof Entitlement>;

/** What a bundle grants of one entitlement. Which field applies depends on the entitlement's kind. */
export const BundleEntitlementInput = z
  .object({
    key: Key.meta({ description: "The entitlement's key." }),
    limit: z.number().int().min(0).optional().meta({ description: "quota: units per period" }),
    level: z.string().optional().meta({ description: "tier: one of the entitlement's levels" }),
    content: z.array(z.string().min(1)).optional().meta({ description: "content: content ids granted" }),
  })
  .strict()
  .meta({ id: "BundleEntitlementInput" });
export type BundleEntitlementInput = z.infer<typeof BundleEntitlementInput>;

export const BundleEntitlement = z
  .object({
    key: z.string(),
    entitlement_id: z.string(),
    kind: EntitlementKind,
    limit: z.number().int().nullable(),
    level: z.string().nullable(),
    content: z.array(z.string()).nullable(),
  })
  .meta({ id: "BundleEntitlement" });
export type BundleEntitlement = z.infer<typeof BundleEntitlement>;

// The regex checks the shape; the runtime's ISO 4217 list (where it has one) rejects made-up codes.
const knownCurrencies: ReadonlySet<string> | undefined =
  typeof Intl.supportedValuesOf === "function" ? new Set(Intl.supportedValuesOf("currency")) : undefined;
const PriceCurrency = Currency.refine(
  (c) => knownCurrencies === undefined || knownCurrencies.has(c),
  "is not an ISO 4217 currency code",
);

export const PriceTaxCode = z.enum(["electronic_service", "e_book"]).meta({
  id: "PriceTaxCode",
  description:
    "What the price sells, for VAT: an electronically supplied service (standard rate) or an electronic book (the customer's country's e-book rate where it has a reduced one).",
});
export type PriceTaxCode = z.infer<typeof PriceTaxCode>;

export const PriceTaxBehavior = z.enum(["inclusive", "exclusive"]).meta({
  id: "PriceTaxBehavior",
  description:
    "Whether the amount includes tax (inclusive: what the customer pays) or is net (exclusive: tax is added on top).",
});
export type PriceTaxBehavior = z.infer<typeof PriceTaxBehavior>;

export const CreatePrice = z
  .object({
    currency: PriceCurrency,
    amount: MinorUnits.meta({ description: "In the currency's minor unit, e.g. 999 = 9.99 EUR." }),
    interval: Interval,
    interval_count: z.number().int().min(1).max(365).default(1),
    trial_days: z.number().int().min(0).max(730).default(0),
    term_count: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .nullable()
      .optional()
      .meta({ description: "Fixed term: the subscription expires after this many periods." }),
    nickname: z.string().max(200).optional(),
    tax_code: PriceTaxCode.default("electronic_service"),
    tax_behavior: PriceTaxBehavior.nullable()
      .optional()
      .meta({ description: "Omitted or null: the storefront legal entity's prices_include_tax decides." }),
  })
  .strict()
  .meta({ id: "CreatePrice" });
export type CreatePrice = z.infer<typeof CreatePrice>;

export const Price = z
  .object({
    id: z.string(),
    object: z.literal("price"),
    bundle: z.string(),
    currency: z.string(),
    amount: z.number().int(),
    interval: Interval,
    interval_count: z.number().int(),
    trial_days: z.number().int(),
    term_count: z.number().int().nullable(),
    nickname: z.string().nullable(),
    tax_code: PriceTaxCode,
    tax_behavior: PriceTaxBehavior.nullable(),
    status: CatalogStatus,
    created_at: Timestamp,
  })
  .meta({ id: "Price" });
export type Price = z.infer<typeof Price>;

// Like Stripe, what a price charges never changes (subscriptions and invoices point at it): a field
// of it in an update is refused by name, so the caller learns to add a new price instead.
const immutable = z
  .unknown()
  .refine((v) => v === undefined, "cannot be changed: add a new price to the bundle and archive this one")
  .optional()
  .meta({ description: "Immutable: refused if sent." });

export const UpdatePrice = z
  .object({
    status: CatalogStatus.optional(),
    nickname: z.string().max(200).nullable().optional(),
    currency: immutable,
    amount: immutable,
    interval: immutable,
    interval_count: immutable,
    trial_days: immutable,
    term_count: immutable,
    tax_code: immutable,
    tax_behavior: immutable,
  })
  .strict()
  .meta({ id: "UpdatePrice" });
export type UpdatePrice = z.infer<typeof UpdatePrice>;

export const CreateBundle = z
  .object({
    key: Key,
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    entitlements: z.array(BundleEntitlementInput).max(200).default([]),
    prices: z.array(CreatePrice).max(50).default([]),
    metadata: Metadata.optional(),
  })
  .strict()
  .meta({ id: "CreateBundle" });
export type CreateBundle = z.infer<typeof CreateBundle>;

export const UpdateBundle = z
  .object({
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    entitlements: z.array(BundleEntitlementInput).max(200).optional().meta({ description: "Replaces the list." }),
    metadata: Metadata.optional(),
    status: CatalogStatus.optional(),
  })
  .strict()
  .meta({ id: "UpdateBundle" });
export type UpdateBundle = z.infer<typeof UpdateBundle>;

export const Bundle = z
  .object({
    id: z.string(),
    object: z.literal("bundle"),
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    entitlements: z.array(BundleEntitlement),
    prices: z.array(Price),
    metadata: z.record(z.string(), z.string()),
    status: CatalogStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Bundle" });
export type Bundle = z.infer<typeof Bundle>;

/** DELETE answers this: deleted when unused, archived (and kept) when something still refers to it. */
export const DeletionResult = z
  .object({
    id: z.string(),
    object: z.string(),
    deleted: z.boolean(),
    archived: z.boolean(),
  })
  .meta({ id: "DeletionResult" });
export type DeletionResult = z.infer<typeof DeletionResult>;
