import { z } from "zod";
import { Timestamp } from "./common.js";

/*
 * Price changes for existing subscribers (docs/price-changes.md): a price migration moves the
 * subscribers of one price to another price of the same bundle, by a strategy mirroring how the
 * App Store and Play handle price increases. Each subscription's step is a SubscriptionPriceChange.
 */

export const PRICE_MIGRATION_STRATEGIES = ["grandfather", "notify", "require_consent"] as const;
export const PriceMigrationStrategy = z.enum(PRICE_MIGRATION_STRATEGIES).meta({
  description:
    "grandfather: subscribers keep the old price (recorded, nothing changes). notify: subscribers are told and " +
    "the new price applies from the first renewal at least notice_days later. require_consent: the new price " +
    "applies at that renewal only if the customer consented by then; otherwise on_no_consent decides.",
});
export type PriceMigrationStrategy = z.infer<typeof PriceMigrationStrategy>;

export const OnNoConsent = z.enum(["cancel", "keep"]).meta({
  description:
    "require_consent: what happens at the renewal when the customer did not consent (or declined). cancel: the " +
    "subscription ends at that period end (App Store). keep: it renews on the old price.",
});
export type OnNoConsent = z.infer<typeof OnNoConsent>;

export const CreatePriceMigration = z
  .object({
    to_price: z.string().min(1).meta({ description: "The new price: same bundle and currency as the old one." }),
    strategy: PriceMigrationStrategy,
    notice_days: z
      .number()
      .int()
      .min(0)
      .max(365)
      .optional()
      .meta({
        description:
          "notify / require_consent: the new price applies from the first renewal at least this many days from now " +
          "(default 30). Not allowed with grandfather.",
      }),
    on_no_consent: OnNoConsent.optional().meta({ description: "require_consent only (default cancel)." }),
    text_version: z.string().min(1).max(100).optional().meta({
      description: "require_consent: the version of the notice text customers are shown (recorded with each consent).",
    }),
    storefront: z.string().min(1).optional().meta({ description: "Only subscribers of this storefront." }),
    dry_run: z.boolean().optional().meta({
      description: "true: nothing is changed; the answer lists the subscriptions that would be affected or skipped.",
    }),
  })
  .strict()
  .meta({ id: "CreatePriceMigration" });
export type CreatePriceMigration = z.infer<typeof CreatePriceMigration>;

export const PriceMigration = z
  .object({
    id: z.string(),
    object: z.literal("price_migration"),
    bundle: z.string(),
    from_price: z.string(),
    to_price: z.string(),
    strategy: PriceMigrationStrategy,
    notice_days: z.number().int().nullable(),
    on_no_consent: OnNoConsent.nullable(),
    text_version: z.string().nullable(),
    storefront: z.string().nullable(),
    status: z.enum(["running", "completed"]).meta({
      description: "running: a job is still going through the subscribers (it resumes after a crash).",
    }),
    counts: z
      .object({
        scheduled: z.number().int(),
        awaiting_consent: z.number().int(),
        grandfathered: z.number().int(),
        skipped: z.number().int(),
      })
      .meta({ description: "Subscriptions processed so far, by what the migration did to them." }),
    created_at: Timestamp,
    completed_at: Timestamp.nullable(),
  })
  .meta({ id: "PriceMigration" });
export type PriceMigration = z.infer<typeof PriceMigration>;

export const PRICE_CHANGE_STATUSES = [
  "grandfathered",
  "skipped",
  "scheduled",
  "awaiting_consent",
  "consented",
  "declined",
  "applied",
  "expired",
  "cancelled",
] as const;
export type PriceChangeStatus = (typeof PRICE_CHANGE_STATUSES)[number];

export const SubscriptionPriceChange = z
  .object({
    id: z.string(),
    object: z.literal("subscription_price_change"),
    migration: z.string(),
    subscription: z.string(),
    customer: z.string(),
    from_price: z.string(),
    to_price: z.string(),
    status: z.enum(PRICE_CHANGE_STATUSES).meta({
      description:
        "grandfathered / skipped: final, nothing changes. scheduled (notify) or awaiting_consent → consented / " +
        "declined → applied (the renewal at effective_at charged the new price) or expired (not applied: no " +
        "consent, or superseded by the customer's own plan change); cancelled: the subscription ended first.",
    }),
    reason: z.string().nullable().meta({ description: "Why it was skipped or expired." }),
    effective_at: Timestamp.nullable().meta({ description: "The renewal from which the new price applies." }),
    consent: z.string().nullable().meta({ description: "The consent record of the customer's answer." }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "SubscriptionPriceChange" });
export type SubscriptionPriceChange = z.infer<typeof SubscriptionPriceChange>;

export const PriceMigrationPreview = z
  .object({
    object: z.literal("price_migration_preview"),
    from_price: z.string(),
    to_price: z.string(),
    strategy: PriceMigrationStrategy,
    affected_count: z.number().int(),
    skipped_count: z.number().int(),
    affected: z
      .array(z.object({ subscription: z.string(), customer: z.string(), effective_at: Timestamp.nullable() }))
      .meta({ description: "The first 100 subscriptions that would be changed (grandfather: recorded)." }),
    skipped: z
      .array(z.object({ subscription: z.string(), reason: z.string() }))
      .meta({ description: "The first 100 that would be skipped, with the reason." }),
  })
  .meta({ id: "PriceMigrationPreview" });
export type PriceMigrationPreview = z.infer<typeof PriceMigrationPreview>;

export const PendingPriceChange = z
  .object({
    id: z.string().meta({ description: "The SubscriptionPriceChange." }),
    migration: z.string(),
    price: z.string().meta({ description: "The new price." }),
    effective_at: Timestamp.meta({ description: "The renewal from which the new price applies." }),
    consent: z.enum(["not_required", "required", "given", "declined"]),
    on_no_consent: OnNoConsent.nullable(),
    text_version: z.string().nullable(),
  })
  .meta({ id: "PendingPriceChange" });
export type PendingPriceChange = z.infer<typeof PendingPriceChange>;

export const AnswerPriceChange = z
  .object({
    text_version: z.string().min(1).max(100).meta({
      description: "The version of the price-change notice the customer answered (the migration's, normally).",
    }),
    method: z
      .enum(["web_form", "app", "email_link", "sms_reply", "in_store", "phone", "api", "import"])
      .meta({ description: "How the customer answered." }),
    collected_by: z.string().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: "AnswerPriceChange" });
export type AnswerPriceChange = z.infer<typeof AnswerPriceChange>;
