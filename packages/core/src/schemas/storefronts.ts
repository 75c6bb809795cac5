import { z } from "zod";
import { Key, Metadata, Timestamp } from "./common.js";

export const StorefrontType = z.enum(["web", "app", "partner", "carrier"]);
export const ChannelName = z.enum(["direct", "app_store", "play_store", "paypal", "telecom"]);
export type ChannelName = z.infer<typeof ChannelName>;

const ProviderName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "lowercase provider name, e.g. stripe or sandbox");
const PublicConfig = z.record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.boolean()]));
const Credentials = z
  .record(z.string().max(64), z.string().max(8000))
  .meta({ description: "Secrets such as API keys. Encrypted at rest, never returned." });

export const ProviderInput = z
  .object({
    name: ProviderName,
    config: PublicConfig.optional(),
    credentials: Credentials.optional().meta({
      description: "Omit on update to keep the stored credentials; send {} to clear them.",
    }),
  })
  .strict()
  .meta({ id: "ProviderInput" });
export type ProviderInput = z.infer<typeof ProviderInput>;

export const ProviderConfig = z
  .object({
    name: z.string(),
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    has_credentials: z.boolean(),
  })
  .meta({ id: "ProviderConfig" });
export type ProviderConfig = z.infer<typeof ProviderConfig>;

export const DunningSettings = z
  .object({
    retry_days: z
      .array(z.number().int().min(0).max(60))
      .max(12)
      .refine((days) => days.every((d, i) => i === 0 || d > days[i - 1]!), "must be in increasing order")
      .default([1, 3, 5, 7])
      .meta({
        description: "Days after the failed charge at which retries run; when all fail the subscription is suspended.",
      }),
  })
  .strict()
  .meta({ id: "DunningSettings" });

const storefrontFields = {
  name: z.string().min(1).max(200),
  type: StorefrontType,
  bundles: z.array(z.string()).max(500).meta({ description: "Bundle ids or keys sold here." }),
  channels: z.array(ChannelName).max(5),
  payment_providers: z.array(ProviderInput).max(10).meta({ description: "In routing order." }),
  fiscal_provider: ProviderInput.nullable(),
  dunning: DunningSettings,
  metadata: Metadata,
};

export const CreateStorefront = z
  .object({
    key: Key,
    ...storefrontFields,
    bundles: storefrontFields.bundles.default([]),
    channels: storefrontFields.channels.default(["direct"]),
    payment_providers: storefrontFields.payment_providers.default([]),
    fiscal_provider: storefrontFields.fiscal_provider.default(null),
    dunning: storefrontFields.dunning.optional(),
    metadata: Metadata.optional(),
  })
  .strict()
  .meta({ id: "CreateStorefront" });
export type CreateStorefront = z.infer<typeof CreateStorefront>;

export const UpdateStorefront = z
  .object({
    name: storefrontFields.name.optional(),
    type: StorefrontType.optional(),
    bundles: storefrontFields.bundles.optional(),
    channels: storefrontFields.channels.optional(),
    payment_providers: storefrontFields.payment_providers.optional(),
    fiscal_provider: storefrontFields.fiscal_provider.optional(),
    dunning: DunningSettings.optional(),
    metadata: Metadata.optional(),
    status: z.enum(["active", "archived"]).optional(),
  })
  .strict()
  .meta({ id: "UpdateStorefront" });
export type UpdateStorefront = z.infer<typeof UpdateStorefront>;

export const Storefront = z
  .object({
    id: z.string(),
    object: z.literal("storefront"),
    key: z.string(),
    name: z.string(),
    type: StorefrontType,
    bundles: z.array(z.string()).meta({ description: "Bundle ids." }),
    channels: z.array(ChannelName),
    payment_providers: z.array(ProviderConfig),
    fiscal_provider: ProviderConfig.nullable(),
    dunning: z.object({ retry_days: z.array(z.number().int()) }),
    metadata: z.record(z.string(), z.string()),
    status: z.enum(["active", "archived"]),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Storefront" });
export type Storefront = z.infer<typeof Storefront>;
