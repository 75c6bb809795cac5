import { z } from "zod";
import { EVENT_TYPES } from "../events.js";
import { ListQuery, Metadata, Timestamp } from "./common.js";

/**
 * A filter of `enabled_events`: `*` (everything), one event type, or a prefix ending in `.*`
 * (`subscription.*`). A prefix must match at least one known type, so a typo is refused at once
 * instead of silently matching nothing.
 */
export const EventFilter = z
  .string()
  .refine(
    (f) => f === "*" || (EVENT_TYPES as readonly string[]).includes(f) || isKnownPrefix(f),
    "must be *, an event type such as customer.created, or a prefix such as subscription.*",
  )
  .meta({ description: "`*`, an event type, or a prefix such as `subscription.*`." });

function isKnownPrefix(filter: string): boolean {
  if (!filter.endsWith(".*")) return false;
  const prefix = filter.slice(0, -1);
  return EVENT_TYPES.some((t) => t.startsWith(prefix));
}

/** Whether an event type passes an endpoint's filters. */
export function eventMatchesFilters(filters: readonly string[], type: string): boolean {
  return filters.some((f) => f === "*" || f === type || (f.endsWith(".*") && type.startsWith(f.slice(0, -1))));
}

/** Only http(s): other schemes (file:, ftp:, gopher:) have no business receiving webhooks. */
export const WebhookUrl = z
  .url({ protocol: /^https?$/, error: "must be an absolute http:// or https:// URL" })
  .max(2048)
  .meta({ description: "Where deliveries are POSTed. http or https." });

const EnabledEvents = z
  .array(EventFilter)
  .min(1)
  .max(100)
  .meta({ description: 'Which events this endpoint receives. Default `["*"]`.' });

export const CreateWebhookEndpoint = z
  .object({
    url: WebhookUrl,
    enabled_events: EnabledEvents.default(["*"]),
    description: z.string().max(500).optional(),
    metadata: Metadata.optional(),
  })
  .strict()
  .meta({ id: "CreateWebhookEndpoint" });
export type CreateWebhookEndpoint = z.infer<typeof CreateWebhookEndpoint>;

export const WebhookEndpointStatus = z.enum(["enabled", "disabled"]);
export type WebhookEndpointStatus = z.infer<typeof WebhookEndpointStatus>;

export const UpdateWebhookEndpoint = z
  .object({
    url: WebhookUrl.optional(),
    enabled_events: EnabledEvents.optional(),
    status: WebhookEndpointStatus.optional().meta({ description: "Re-enabling clears `disabled_reason`." }),
    description: z.string().max(500).nullable().optional(),
    metadata: Metadata.optional(),
  })
  .strict()
  .meta({ id: "UpdateWebhookEndpoint" });
export type UpdateWebhookEndpoint = z.infer<typeof UpdateWebhookEndpoint>;

export const WebhookEndpoint = z
  .object({
    id: z.string(),
    object: z.literal("webhook_endpoint"),
    url: z.string(),
    enabled_events: z.array(z.string()),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    status: WebhookEndpointStatus,
    disabled_reason: z
      .enum(["manual", "persistent_failure"])
      .nullable()
      .meta({ description: "Why the endpoint is disabled; null while enabled." }),
    previous_secret_expires_at: Timestamp.nullable().meta({
      description: "While set and in the future, deliveries are signed with the previous secret as well.",
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "WebhookEndpoint" });
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().meta({
    description: "`whsec_<base64>`: the Standard Webhooks signing secret. Shown only here; store it now.",
  }),
}).meta({ id: "WebhookEndpointWithSecret" });
export type WebhookEndpointWithSecret = z.infer<typeof WebhookEndpointWithSecret>;

export const RotateWebhookSecret = z
  .object({
    expires_in_hours: z
      .number()
      .int()
      .min(0)
      .max(168)
      .default(24)
      .meta({ description: "How long the old secret keeps signing beside the new one (0–168, default 24)." }),
  })
  .strict()
  .meta({ id: "RotateWebhookSecret" });
export type RotateWebhookSecret = z.infer<typeof RotateWebhookSecret>;

export const WebhookAttempt = z
  .object({
    number: z.number().int().meta({ description: "1 for the first attempt of the delivery." }),
    trigger: z.enum(["automatic", "manual"]),
    started_at: Timestamp,
    duration_ms: z.number().int(),
    status_code: z.number().int().nullable().meta({ description: "The receiver's HTTP status; null if none." }),
    error: z.string().nullable().meta({ description: "Why the attempt failed (timeout, refused, non-2xx …)." }),
    response_excerpt: z.string().nullable().meta({ description: "The first 1 KB of the response body." }),
    succeeded: z.boolean(),
  })
  .meta({ id: "WebhookAttempt" });
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDeliveryStatus = z.enum(["pending", "succeeded", "failed"]);
export type WebhookDeliveryStatus = z.infer<typeof WebhookDeliveryStatus>;

export const WebhookDelivery = z
  .object({
    id: z.string(),
    object: z.literal("webhook_delivery"),
    endpoint: z.string(),
    event_id: z.string().meta({ description: "Also the `webhook-id` header of every attempt." }),
    event_type: z.string(),
    status: WebhookDeliveryStatus,
    attempt_count: z.number().int(),
    next_attempt_at: Timestamp.nullable().meta({ description: "When the next automatic attempt is due." }),
    attempts: z.array(WebhookAttempt).meta({ description: "Oldest first." }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryListQuery = ListQuery.extend({ status: WebhookDeliveryStatus.optional() });
export type WebhookDeliveryListQuery = z.infer<typeof WebhookDeliveryListQuery>;
