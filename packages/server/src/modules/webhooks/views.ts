import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from "@tessera/core";
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from "../../db/types.js";
import { fromJson } from "../../lib/json.js";

/** The API view of an endpoint: never the secret, which is shown once at creation and rotation. */
export function toEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    object: "webhook_endpoint",
    url: row.url,
    enabled_events: fromJson<string[]>(row.enabled_events, []),
    description: row.description,
    metadata: fromJson(row.metadata, {}),
    status: row.status,
    disabled_reason: row.disabled_reason,
    previous_secret_expires_at: row.previous_secret_expires_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toAttempt(row: WebhookAttemptRow): WebhookAttempt {
  return {
    number: Number(row.number),
    trigger: row.trigger,
    started_at: row.started_at,
    duration_ms: Number(row.duration_ms),
    status_code: row.status_code === null ? null : Number(row.status_code),
    error: row.error,
    response_excerpt: row.response_excerpt,
    succeeded: Number(row.succeeded) === 1,
  };
}

export function toDelivery(row: WebhookDeliveryRow, attempts: WebhookAttemptRow[]): WebhookDelivery {
  return {
    id: row.id,
    object: "webhook_delivery",
    endpoint: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempt_count: Number(row.attempt_count),
    next_attempt_at: row.next_attempt_at,
    attempts: attempts.filter((a) => a.delivery_id === row.id).map(toAttempt),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
