import { z } from "zod";

/*
 * Flows a merchant starts from Tessera on a vendor-run channel: a PayPal subscription the buyer
 * approves at PayPal, a carrier-billing authorisation (PIN by SMS or header enrichment). The
 * subscription itself appears when the vendor's notification says it is active.
 */

const HttpsUrl = z
  .string()
  .url()
  .max(4000)
  .refine((u) => /^https?:\/\//.test(u), "an http(s) URL");

export const StartPayPalSubscription = z
  .object({
    customer: z.string().min(1).meta({ description: "Our customer id; PayPal echoes it as custom_id." }),
    plan_id: z
      .string()
      .min(3)
      .max(50)
      .meta({ description: "The PayPal plan (P-…), mapped to a price in the product map." }),
    return_url: HttpsUrl.meta({ description: "Where PayPal sends the buyer after approving." }),
    cancel_url: HttpsUrl.meta({ description: "Where PayPal sends the buyer after declining." }),
    brand_name: z.string().min(1).max(127).optional(),
  })
  .strict()
  .meta({ id: "StartPayPalSubscription" });
export type StartPayPalSubscription = z.infer<typeof StartPayPalSubscription>;

export const PayPalSubscriptionStarted = z
  .object({
    object: z.literal("paypal_subscription"),
    vendor_subscription_id: z.string().meta({ description: "PayPal's subscription id (I-…)." }),
    status: z.string().meta({ description: "PayPal's status: APPROVAL_PENDING until the buyer approves." }),
    approval_url: z.string().nullable().meta({ description: "Send the buyer here to approve the subscription." }),
    customer: z.string(),
    plan_id: z.string(),
  })
  .meta({ id: "PayPalSubscriptionStarted" });
export type PayPalSubscriptionStarted = z.infer<typeof PayPalSubscriptionStarted>;

export const CancelVendorSubscription = z
  .object({ reason: z.string().min(1).max(128).meta({ description: "Told to the vendor (PayPal requires one)." }) })
  .strict()
  .meta({ id: "CancelVendorSubscription" });
export type CancelVendorSubscription = z.infer<typeof CancelVendorSubscription>;

export const VendorCancelRequested = z
  .object({
    object: z.literal("vendor_cancel"),
    channel: z.string(),
    vendor_subscription_id: z.string(),
    status: z.literal("requested").meta({
      description: "The vendor accepted; the subscription moves when its notification arrives.",
    }),
  })
  .meta({ id: "VendorCancelRequested" });
export type VendorCancelRequested = z.infer<typeof VendorCancelRequested>;

export const StartTelecomAuthorisation = z
  .object({
    customer: z.string().min(1),
    product: z.string().min(1).max(100).meta({ description: "The product id mapped to a price in the product map." }),
    flow: z.enum(["pin", "he"]).meta({ description: "pin: a PIN by SMS to `msisdn`; he: header enrichment." }),
    msisdn: z.string().min(7).max(20).optional().meta({
      description: "For the PIN flow. Sent to the aggregator, never stored (only a masked form is returned).",
    }),
    country: z.string().regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2"),
    channel_code: z.string().min(1).max(64).meta({ description: "The aggregator's carrier route, e.g. sandbox-ee." }),
  })
  .strict()
  .meta({ id: "StartTelecomAuthorisation" });
export type StartTelecomAuthorisation = z.infer<typeof StartTelecomAuthorisation>;

export const TelecomAuthorisation = z
  .object({
    object: z.literal("telecom_authorisation"),
    operation_reference: z.string().meta({ description: "Names the subscription in every callback." }),
    charging_token: z.string().nullable(),
    state: z.string().meta({ description: "new, pending (PIN sent), confirmed, verified, failed or invalidated." }),
    he_url: z.string().nullable().meta({ description: "Header enrichment: the URL the consumer's browser opens." }),
    msisdn: z.string().nullable().meta({ description: "Masked: country code and last two digits." }),
  })
  .meta({ id: "TelecomAuthorisation" });
export type TelecomAuthorisation = z.infer<typeof TelecomAuthorisation>;

export const TelecomPin = z
  .object({ pin: z.string().regex(/^\d{3,8}$/, "the digits the consumer received by SMS") })
  .strict()
  .meta({ id: "TelecomPin" });
export type TelecomPin = z.infer<typeof TelecomPin>;
