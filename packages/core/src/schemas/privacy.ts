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
