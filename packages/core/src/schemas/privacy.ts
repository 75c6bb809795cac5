import { z } from "zod";
import { Timestamp } from "./common.js";

/*
 * Privacy requests (docs/privacy.md): an export builds one archive of everything held about a
 * customer, downloadable once; an erasure removes or irreversibly pseudonymizes their personal data
 * everywhere, keeping of the records the law requires only what it requires.
 */

export const PRIVACY_REQUEST_KINDS = ["export", "erase"] as const;
export const PRIVACY_REQUEST_STATUSES = ["pending", "ready", "downloaded", "expired", "completed", "failed"] as const;

export const PrivacyRequest = z
  .object({
    id: z.string(),
    object: z.literal("privacy_request"),
    customer: z.string(),
    kind: z.enum(PRIVACY_REQUEST_KINDS),
    status: z.enum(PRIVACY_REQUEST_STATUSES).meta({
      description:
        "export: pending → ready (the archive can be downloaded once) → downloaded, or expired; " + "erase: completed.",
    }),
    report: z
      .record(z.string(), z.record(z.string(), z.number().int()))
      .nullable()
      .meta({ description: "Erasure: per module, how many rows of each table were erased or pseudonymized." }),
    created_at: Timestamp,
    completed_at: Timestamp.nullable(),
    expires_at: Timestamp.nullable().meta({
      description: "Export: the archive is deleted at this time if not downloaded.",
    }),
    downloaded_at: Timestamp.nullable(),
  })
  .meta({ id: "PrivacyRequest" });
export type PrivacyRequest = z.infer<typeof PrivacyRequest>;

export const EraseCustomer = z
  .object({
    active_subscriptions: z
      .enum(["refuse", "cancel"])
      .default("refuse")
      .meta({
        description:
          "What to do when the customer still has a subscription that is not cancelled or expired: `refuse` " +
          "answers 409 CUSTOMER_HAS_ACTIVE_SUBSCRIPTIONS naming them; `cancel` cancels them now, then erases.",
      }),
  })
  .strict()
  .meta({ id: "EraseCustomer" });
export type EraseCustomer = z.infer<typeof EraseCustomer>;

/** The downloaded archive: one section per module, each as that module exports it. */
export const PrivacyExportArchive = z
  .object({
    format: z.literal("tessera.privacy-export/1"),
    customer: z.string(),
    generated_at: Timestamp,
    modules: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "PrivacyExportArchive" });
export type PrivacyExportArchive = z.infer<typeof PrivacyExportArchive>;

const Days = z.number().int().min(1).max(36_500).nullable();

/** Per environment; null keeps forever (the default for every rule). */
export const RetentionPolicy = z
  .object({
    object: z.literal("retention_policy"),
    webhook_delivery_log_days: Days.meta({
      description: "Delete finished webhook deliveries and their attempts after N days.",
    }),
    channel_raw_days: Days.meta({
      description:
        "Clear the raw body of channel notifications after N days (the mapped fields stay: they decide state).",
    }),
    usage_record_days: Days.meta({ description: "Delete usage records after N days (counters keep the totals)." }),
    event_days: z.number().int().min(7).max(36_500).nullable().meta({
      description: "Delete events after N days (at least 7), once fanned out and with no delivery log left.",
    }),
    anonymize_after_months: z.number().int().min(1).max(1200).nullable().meta({
      description: "Erase customers whose last subscription ended N months ago (as POST …/privacy/erase does).",
    }),
    updated_at: Timestamp.nullable(),
  })
  .meta({ id: "RetentionPolicy" });
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

export const UpdateRetentionPolicy = RetentionPolicy.omit({ object: true, updated_at: true })
  .partial()
  .strict()
  .meta({ id: "UpdateRetentionPolicy" });
export type UpdateRetentionPolicy = z.infer<typeof UpdateRetentionPolicy>;

export const RetentionRun = z
  .object({
    id: z.string(),
    object: z.literal("retention_run"),
    policy: RetentionPolicy,
    report: z.record(z.string(), z.number().int()).meta({ description: "Rows removed or anonymized, per rule." }),
    ran_at: Timestamp,
  })
  .meta({ id: "RetentionRun" });
export type RetentionRun = z.infer<typeof RetentionRun>;
