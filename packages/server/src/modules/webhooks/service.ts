import type {
  CreateWebhookEndpoint,
  RotateWebhookSecret,
  UpdateWebhookEndpoint,
  WebhookDelivery,
  WebhookDeliveryListQuery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { WebhookEndpointRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { EventsService } from "../events/service.js";
import { createDispatcher, type WebhookOptions } from "./dispatcher.js";
import * as repo from "./repo.js";
import { newWebhookSecret, secretPurpose } from "./signing.js";
import { privateLiteral, refusedDestination } from "./ssrf.js";
import { toDelivery, toEndpoint } from "./views.js";

export type { WebhookOptions } from "./dispatcher.js";
export { parseRetrySchedule, webhookOptions } from "./retry-schedule.js";

/**
 * Outbound webhooks (DESIGN §6, Standard Webhooks): endpoints with their signing secrets, the
 * delivery log and manual replay. Building the service registers the outbox listener and the
 * `webhook.deliver` job (see dispatcher.ts).
 */
export function webhooksService(
  deps: Deps,
  { events, jobs }: { events: EventsService; jobs: JobRegistry },
  options: WebhookOptions = {},
) {
  const { db, clock, secrets } = deps;
  const dispatcher = createDispatcher(deps, { events, jobs }, options);
  const allowPrivate = options.allowPrivateAddresses ?? false;

  /**
   * Refused when the URL names a private address, or a name that resolves to one, when it is saved;
   * every send checks the addresses it connects to again (sender.ts). A name that does not resolve
   * yet is accepted: its receiver may not exist yet, and sending will check it.
   */
  async function checkUrl(url: string | undefined): Promise<void> {
    if (url === undefined || allowPrivate) return;
    const refused =
      privateLiteral(url) !== undefined ||
      (await Promise.race([
        refusedDestination(new URL(url), false).then(
          (reason) => reason !== undefined,
          () => false,
        ),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
      ]));
    if (refused) {
      throw new ApiError("VALIDATION_FAILED", "Webhooks cannot be sent to loopback or private addresses", {
        errors: [
          { path: "url", message: "is or resolves to a loopback or private address (TESSERA_WEBHOOKS_ALLOW_PRIVATE)" },
        ],
      });
    }
  }

  async function require(scope: Scope, id: string): Promise<WebhookEndpointRow> {
    const row = await repo.findEndpoint(db, scope, id);
    if (!row) throw notFound("webhook endpoint", id);
    return row;
  }

  async function requireDelivery(scope: Scope, endpointId: string, deliveryId: string) {
    await require(scope, endpointId);
    const row = await repo.findDelivery(db, scope, endpointId, deliveryId);
    if (!row) throw notFound("webhook delivery", deliveryId);
    return row;
  }

  async function getDelivery(scope: Scope, endpointId: string, deliveryId: string): Promise<WebhookDelivery> {
    const row = await requireDelivery(scope, endpointId, deliveryId);
    return toDelivery(row, await repo.listAttempts(db, scope, [row.id]));
  }

  return {
    async createEndpoint(scope: Scope, input: CreateWebhookEndpoint): Promise<WebhookEndpointWithSecret> {
      await checkUrl(input.url);
      const now = isoNow(clock);
      const id = newId("webhook_endpoint");
      const secret = newWebhookSecret();
      const row: WebhookEndpointRow = {
        id,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        url: input.url,
        enabled_events: toJson(input.enabled_events),
        description: input.description ?? null,
        metadata: toJson(input.metadata ?? {}),
        status: "enabled",
        disabled_reason: null,
        secret_encrypted: secrets.seal(secret, secretPurpose(id)),
        previous_secret_encrypted: null,
        previous_secret_expires_at: null,
        failing_since: null,
        last_success_at: null,
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (tx) => {
        await repo.insertEndpoint(tx, row);
        // toEndpoint never includes the secret.
        await events.record(tx, scope, { type: "webhook_endpoint.created", object: toEndpoint(row) });
      });
      return { ...toEndpoint(row), secret };
    },

    async listEndpoints(scope: Scope, page: PageQuery): Promise<Page<WebhookEndpoint>> {
      return toPage(await repo.pageEndpoints(db, scope, page), toEndpoint);
    },

    async getEndpoint(scope: Scope, id: string): Promise<WebhookEndpoint> {
      return toEndpoint(await require(scope, id));
    },

    async updateEndpoint(scope: Scope, id: string, input: UpdateWebhookEndpoint): Promise<WebhookEndpoint> {
      await checkUrl(input.url);
      const row = await require(scope, id);
      return db.transaction().execute(async (tx) => {
        const now = isoNow(clock);
        await repo.updateEndpoint(tx, scope, row.id, {
          ...(input.url !== undefined && { url: input.url }),
          ...(input.enabled_events !== undefined && { enabled_events: toJson(input.enabled_events) }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.metadata !== undefined && { metadata: toJson(input.metadata) }),
          // Re-enabling starts afresh: the old failure streak must not disable it again at once.
          ...(input.status === "enabled" &&
            row.status === "disabled" && { status: "enabled", disabled_reason: null, failing_since: null }),
          updated_at: now,
        });
        if (input.status === "disabled" && row.status === "enabled") {
          await dispatcher.disableEndpoint(tx, scope, row.id, "manual");
        }
        const updated = await repo.findEndpoint(tx, scope, row.id);
        if (!updated) throw notFound("webhook endpoint", id);
        await events.record(tx, scope, { type: "webhook_endpoint.updated", object: toEndpoint(updated) });
        return toEndpoint(updated);
      });
    },

    /** Deleting an endpoint deletes its delivery log; pending attempts find nothing and stop. */
    async deleteEndpoint(scope: Scope, id: string): Promise<{ id: string; object: string; deleted: true }> {
      const row = await require(scope, id);
      await db.transaction().execute(async (tx) => {
        await repo.deleteEndpoint(tx, scope, row.id);
        await events.record(tx, scope, { type: "webhook_endpoint.deleted", object: toEndpoint(row) });
      });
      return { id: row.id, object: "webhook_endpoint", deleted: true };
    },

    /**
     * A new secret signs from now on; the old one keeps signing beside it for `expires_in_hours`,
     * so receivers can switch without losing a delivery. Only one previous secret is kept: rotating
     * again during an overlap ends the older one at once.
     */
    async rotateSecret(scope: Scope, id: string, input: RotateWebhookSecret): Promise<WebhookEndpointWithSecret> {
      const row = await require(scope, id);
      const now = clock.now();
      const secret = newWebhookSecret();
      const keepOld = input.expires_in_hours > 0;
      await db.transaction().execute(async (tx) => {
        await repo.updateEndpoint(tx, scope, row.id, {
          secret_encrypted: secrets.seal(secret, secretPurpose(row.id)),
          previous_secret_encrypted: keepOld ? row.secret_encrypted : null,
          previous_secret_expires_at: keepOld
            ? new Date(now.getTime() + input.expires_in_hours * 3_600_000).toISOString()
            : null,
          updated_at: now.toISOString(),
        });
        const rotated = await repo.findEndpoint(tx, scope, row.id);
        // That it was rotated and when the old secret stops signing; never a secret.
        if (rotated)
          await events.record(tx, scope, { type: "webhook_endpoint.secret_rotated", object: toEndpoint(rotated) });
      });
      return { ...toEndpoint(await require(scope, row.id)), secret };
    },

    async listDeliveries(
      scope: Scope,
      endpointId: string,
      query: WebhookDeliveryListQuery,
    ): Promise<Page<WebhookDelivery>> {
      const endpoint = await require(scope, endpointId);
      const page = await repo.pageDeliveries(db, scope, endpoint.id, query);
      const attempts = await repo.listAttempts(
        db,
        scope,
        page.rows.map((r) => r.id),
      );
      return toPage(page, (r) => toDelivery(r, attempts));
    },

    getDelivery,

    /**
     * Sends the delivery again now, as one more attempt with the same `webhook-id`. It does not
     * touch the automatic schedule: a success ends it, a failure leaves it as it was.
     */
    async retryDelivery(scope: Scope, endpointId: string, deliveryId: string): Promise<WebhookDelivery> {
      const delivery = await requireDelivery(scope, endpointId, deliveryId);
      const endpoint = await require(scope, endpointId);
      if (endpoint.status !== "enabled") {
        throw new ApiError("CONFLICT", "The webhook endpoint is disabled: enable it before replaying deliveries");
      }
      const event = await dispatcher.findEvent(scope, delivery.event_id);
      if (!event) throw new ApiError("CONFLICT", `Event ${delivery.event_id} no longer exists`);
      await dispatcher.attempt(scope, endpoint, delivery, event, "manual");
      return getDelivery(scope, endpointId, deliveryId);
    },
  };
}

export type WebhooksService = ReturnType<typeof webhooksService>;
