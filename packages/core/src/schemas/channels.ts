import { z } from "zod";
import { Timestamp } from "./common.js";
import { ChannelName } from "./storefronts.js";

/*
 * Subscription channels (App Store, Google Play, PayPal, carriers): a storefront's settings of
 * each, the map from the vendor's products to our prices, the links from vendor subscriptions to
 * our customers, and the notifications the vendor sent.
 */

const ChannelConfig = z.record(z.string().max(64), z.union([z.string().max(20000), z.number(), z.boolean()]));

export const ChannelSettingsInput = z
  .object({
    config: ChannelConfig.default({}).meta({
      description:
        "Public settings: App Store bundle_id, app_apple_id, environment, api_base_url; Play package_name, " +
        "audience, api_base_url … (docs/channels.md lists each channel's).",
    }),
    credentials: z
      .record(z.string().max(64), z.string().max(20000))
      .optional()
      .meta({
        description:
          "Secrets (App Store private_key, Play service_account_json …). Encrypted at rest, never returned. " +
          "Omit to keep the stored ones; send {} to clear them.",
      }),
  })
  .strict()
  .meta({ id: "ChannelSettingsInput" });
export type ChannelSettingsInput = z.infer<typeof ChannelSettingsInput>;

export const ChannelSettingsView = z
  .object({
    object: z.literal("channel_settings"),
    storefront: z.string(),
    channel: ChannelName,
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    credential_names: z.array(z.string()).meta({ description: "Which secrets are set (their values never leave)." }),
    notification_url: z.string().nullable().meta({ description: "Where to point the vendor's notifications." }),
    updated_at: Timestamp,
  })
  .meta({ id: "ChannelSettings" });
export type ChannelSettingsView = z.infer<typeof ChannelSettingsView>;

export const ChannelProductInput = z
  .object({ price: z.string().min(1).meta({ description: "Our price id; its bundle is what the product grants." }) })
  .strict()
  .meta({ id: "ChannelProductInput" });
export type ChannelProductInput = z.infer<typeof ChannelProductInput>;

export const ChannelProduct = z
  .object({
    id: z.string(),
    object: z.literal("channel_product"),
    storefront: z.string(),
    channel: ChannelName,
    vendor_product_id: z
      .string()
      .meta({ description: "App Store productId, Play productId/basePlanId, PayPal plan id…" }),
    price: z.string(),
    bundle: z.string(),
    created_at: Timestamp,
  })
  .meta({ id: "ChannelProduct" });
export type ChannelProduct = z.infer<typeof ChannelProduct>;

export const CreateChannelLink = z
  .object({
    vendor_subscription_id: z.string().min(1).max(512).meta({
      description: "App Store originalTransactionId, Play purchase token, PayPal I-…",
    }),
    customer: z.string().min(1).meta({ description: "Our customer id." }),
  })
  .strict()
  .meta({ id: "CreateChannelLink" });
export type CreateChannelLink = z.infer<typeof CreateChannelLink>;

export const ChannelLinkResult = z
  .object({
    object: z.literal("channel_link"),
    channel: ChannelName,
    vendor_subscription_id: z.string(),
    customer: z.string(),
    retried: z.number().int().meta({ description: "Parked notifications queued again for applying." }),
  })
  .meta({ id: "ChannelLinkResult" });
export type ChannelLinkResult = z.infer<typeof ChannelLinkResult>;

export const VendorIds = z
  .object({
    channel: ChannelName,
    vendor_subscription_id: z.string(),
    vendor_customer_id: z.string().nullable(),
  })
  .meta({ id: "VendorIds", description: "The vendor's ids of a subscription a store or partner manages." });
export type VendorIds = z.infer<typeof VendorIds>;

export const ChannelNotificationStatus = z.enum(["received", "applied", "parked", "superseded", "ignored", "rejected"]);

export const ChannelNotification = z
  .object({
    id: z.string(),
    object: z.literal("channel_notification"),
    channel: ChannelName,
    storefront: z.string(),
    vendor_event_id: z.string(),
    vendor_subscription_id: z.string().nullable(),
    vendor_type: z.string(),
    vendor_subtype: z.string().nullable(),
    event: z.string().nullable().meta({ description: "The state-machine event it maps to." }),
    occurred_at: Timestamp.meta({ description: "The vendor's time of the change." }),
    verified: z.boolean(),
    status: ChannelNotificationStatus.meta({
      description:
        "applied; parked (unknown customer or product: retried on a link or product-map change); superseded " +
        "(older than what was applied); ignored (nothing to change); rejected (failed verification).",
    }),
    detail: z.string().nullable(),
    changes: z.record(z.string(), z.unknown()).nullable().meta({ description: "What applying it changed." }),
    raw: z.string().meta({ description: "The body as received." }),
    received_at: Timestamp,
    applied_at: Timestamp.nullable(),
  })
  .meta({ id: "ChannelNotification" });
export type ChannelNotification = z.infer<typeof ChannelNotification>;

export const ChannelNotificationReceipt = z
  .object({
    received: z.number().int().meta({ description: "New notifications kept for applying." }),
    duplicates: z.number().int().meta({ description: "Notifications received before (nothing changed)." }),
  })
  .meta({ id: "ChannelNotificationReceipt" });
export type ChannelNotificationReceipt = z.infer<typeof ChannelNotificationReceipt>;
