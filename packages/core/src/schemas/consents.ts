import { z } from "zod";
import type { Actor } from "../events.js";
import { Metadata, Timestamp } from "./common.js";

/*
 * Consent records (docs/privacy.md "Consent"): every grant and withdrawal is kept, with when, how,
 * by whom and the version of the text shown; the current consent per purpose is the latest record.
 */

export const CONSENT_PURPOSES = [
  "price_change",
  "marketing_email",
  "marketing_sms",
  "push",
  "terms",
  "data_processing",
  "profiling",
] as const;

export const ConsentPurpose = z
  .union([z.enum(CONSENT_PURPOSES), z.string().regex(/^custom\.[a-z0-9_]{1,40}$/)])
  .meta({ description: `One of ${CONSENT_PURPOSES.join(", ")}, or your own as \`custom.<name>\`.` });
export type ConsentPurpose = z.infer<typeof ConsentPurpose>;

export const ConsentStatus = z.enum(["granted", "withdrawn"]);
export type ConsentStatus = z.infer<typeof ConsentStatus>;

export const RecordConsent = z
  .object({
    purpose: ConsentPurpose,
    status: ConsentStatus,
    text_version: z.string().min(1).max(100).meta({ description: "The version of the text the customer was shown." }),
    method: z
      .enum(["web_form", "app", "email_link", "sms_reply", "in_store", "phone", "api", "import"])
      .meta({ description: "How the consent was given or withdrawn." }),
    occurred_at: Timestamp.optional().meta({ description: "When the customer acted; default now. Not in the future." }),
    collected_by: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: "Who collected it on your side (an agent, a system), besides the API credential." }),
    metadata: Metadata.optional(),
  })
  .strict()
  .meta({ id: "RecordConsent" });
export type RecordConsent = z.infer<typeof RecordConsent>;

export const ConsentRecord = z
  .object({
    id: z.string(),
    object: z.literal("consent"),
    customer: z.string(),
    purpose: z.string(),
    status: ConsentStatus,
    text_version: z.string(),
    method: z.string(),
    occurred_at: Timestamp,
    collected_by: z.string().nullable(),
    recorded_by: z
      .object({ type: z.string(), id: z.string(), label: z.string().optional() })
      .nullable()
      .meta({ description: "The credential or user that recorded it." }),
    metadata: z.record(z.string(), z.string()),
    created_at: Timestamp,
  })
  .meta({ id: "ConsentRecord" });
export type ConsentRecord = Omit<z.infer<typeof ConsentRecord>, "recorded_by"> & { recorded_by: Actor | null };

/** The current consent per purpose: the latest record of each. */
export const CurrentConsents = z
  .record(
    z.string(),
    z.object({ status: ConsentStatus, text_version: z.string(), occurred_at: Timestamp, record: z.string() }),
  )
  .meta({ id: "CurrentConsents", description: "Per purpose, the latest consent record." });
export type CurrentConsents = z.infer<typeof CurrentConsents>;
