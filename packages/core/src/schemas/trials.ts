import { z } from "zod";
import { Timestamp } from "./common.js";

/*
 * Trial eligibility (docs/campaigns.md "Trials"): per storefront, which identities may have one
 * trial each (the customer, their normalized e-mail, a payment-method fingerprint, a device, an
 * MSISDN), counted per storefront or per bundle, within an optional look-back window.
 */

export const TRIAL_IDENTITIES = ["customer", "email", "payment_method", "device", "msisdn"] as const;
export type TrialIdentity = (typeof TRIAL_IDENTITIES)[number];
export const TRIAL_RULES = TRIAL_IDENTITIES.map((i) => `one_per_${i}` as const);

export const TrialPolicy = z
  .object({
    object: z.literal("trial_policy"),
    storefront: z.string(),
    one_per: z.array(z.enum(TRIAL_IDENTITIES)).meta({
      description: "Each listed identity may have one trial (empty: no limit). Checked in this order.",
    }),
    family: z.enum(["storefront", "bundle"]).meta({
      description: "storefront: one trial across every bundle it sells; bundle: one per bundle.",
    }),
    lookback_days: z.number().int().min(1).max(36_500).nullable().meta({
      description: "Only trials started in the last N days count; null: ever.",
    }),
    on_ineligible: z.enum(["refuse", "start_without_trial"]).meta({
      description:
        "A subscription asking for a trial it may not have: 409 TRIAL_NOT_ELIGIBLE, or started and charged now.",
    }),
    updated_at: Timestamp.nullable(),
  })
  .meta({ id: "TrialPolicy" });
export type TrialPolicy = z.infer<typeof TrialPolicy>;

export const UpdateTrialPolicy = TrialPolicy.pick({
  one_per: true,
  family: true,
  lookback_days: true,
  on_ineligible: true,
})
  .partial()
  .strict()
  .meta({ id: "UpdateTrialPolicy" });
export type UpdateTrialPolicy = z.infer<typeof UpdateTrialPolicy>;

/** Identities a sign-up carries besides the customer: what the app knows about the device and line. */
export const TrialIdentityInput = z
  .object({
    device_id: z.string().min(1).max(200).optional(),
    msisdn: z
      .string()
      .regex(/^\+?[0-9][0-9 ()-]{5,24}$/, "must be a phone number, preferably E.164")
      .optional(),
    payment_method_fingerprint: z.string().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: "TrialIdentityInput" });
export type TrialIdentityInput = z.infer<typeof TrialIdentityInput>;

export const TrialEligibility = z
  .object({
    object: z.literal("trial_eligibility"),
    customer: z.string(),
    price: z.string(),
    eligible: z.boolean(),
    trial_days: z.number().int().meta({ description: "The trial the price offers (0: none to decide)." }),
    rule: z.enum(TRIAL_RULES).nullable().meta({ description: "The rule that decided, when not eligible." }),
    reason: z.string(),
    previous_trial: z
      .object({ subscription: z.string().nullable(), started_at: Timestamp })
      .nullable()
      .meta({ description: "The earlier trial the rule matched (of this customer or another)." }),
  })
  .meta({ id: "TrialEligibility" });
export type TrialEligibility = z.infer<typeof TrialEligibility>;
