import { type Event, eventMatchesFilters } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { Db, WebhookDeliveryRow, WebhookEndpointRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson } from "../../lib/json.js";
import type { EventsService } from "../events/service.js";
import * as repo from "./repo.js";
import { type SendResult, sendWebhook } from "./sender.js";
import { secretPurpose } from "./signing.js";
import { toEndpoint } from "./views.js";

export const WEBHOOK_JOB = "webhook.deliver";

/**
 * The wait before each automatic retry, after attempt 1, 2, …: 11 attempts in all, the last one
 * ≈ 71.6 h (about three days) after the first. Growth is roughly exponential, then flattens so
 * the late attempts still come a few times a day. Each wait is jittered by ±RETRY_JITTER so that
 * an endpoint coming back up is not hit by every queued delivery in the same second.
 */
export const RETRY_SCHEDULE_MS = [
  5_000, // 5 s
  5 * 60_000, // 5 min
  30 * 60_000, // 30 min
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  14 * 3_600_000,
  16 * 3_600_000,
] as const;
export const RETRY_JITTER = 0.1;
export const MAX_AUTOMATIC_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;

/** The jittered wait after automatic attempt `attempt`, or undefined when it was the last. */
export function retryDelayMs(
  attempt: number,
  random: () => number = Math.random,
  schedule: readonly number[] = RETRY_SCHEDULE_MS,
): number | undefined {
  const base = schedule[attempt - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 - RETRY_JITTER + random() * 2 * RETRY_JITTER));
}

/** The time-ordered part of a prefixed id. */
function ulidOf(id: string): string {
  return id.slice(id.lastIndexOf("_") + 1);
}

export interface WebhookOptions {
  /** TESSERA_WEBHOOKS_ALLOW_PRIVATE: deliver to loopback / private addresses too. Off by default. */
  allowPrivateAddresses?: boolean;
  /** TESSERA_WEBHOOK_TIMEOUT_MS: how long a receiver has to answer (DELIVERY_TIMEOUT_MS by default). */
  timeoutMs?: number;
  /** TESSERA_WEBHOOK_RETRY_SCHEDULE: the waits before each retry (RETRY_SCHEDULE_MS by default). */
  retryScheduleMs?: readonly number[];
  random?: () => number;
}

/** The target of a delivery job: the worker runs only a few at once per endpoint (jobs/pool.ts). */
export const webhookTarget = (endpointId: string) => `webhook:${endpointId}`;

interface DeliverPayload {
  delivery_id: string;
  /** Which automatic attempt this job is (1-based): it picks the next wait and the dedupe key. */
  attempt: number;
}

/**
 * The outbox side of webhooks: an events consumer that turns each committed event into
 * deliveries, and the `webhook.deliver` job that sends them, records every attempt
 * and schedules the next one. Jobs run on the wall clock: a test clock simulates business time,
 * but a receiver lives in real time.
 */
export function createDispatcher(
  deps: Deps,
  { events, jobs }: { events: EventsService; jobs: JobRegistry },
  options: WebhookOptions,
) {
  const { db, clock, secrets } = deps;
  const allowPrivate = options.allowPrivateAddresses ?? false;
  const random = options.random ?? Math.random;
  const schedule = options.retryScheduleMs ?? RETRY_SCHEDULE_MS;

  async function enqueueAttempt(
    tx: Db,
    scope: Scope,
    endpointId: string,
    deliveryId: string,
    attempt: number,
    runAt: string,
  ) {
    const payload: DeliverPayload = { delivery_id: deliveryId, attempt };
    await enqueueJob(tx, isoNow(clock), {
      type: WEBHOOK_JOB,
      payload,
      runAt,
      scope: { tenantId: scope.tenantId, environmentId: scope.environmentId },
      clock: "wall",
      dedupeKey: `${WEBHOOK_JOB}:${deliveryId}:${attempt}`,
      target: webhookTarget(endpointId),
      // Only infrastructure failures (the database) use the queue's own retries; HTTP failures
      // are recorded and rescheduled here on RETRY_SCHEDULE_MS.
      maxAttempts: 5,
    });
  }

  // Fed from committed events by a job per event (modules/events/fanout.ts): a slow receiver or
  // many endpoints never hold up the write. Idempotent: one delivery per (endpoint, event).
  events.subscribe({
    name: "webhooks",
    types: "*",
    // Most events of most tenants match no endpoint: they cost no job.
    async accepts(scope, event, memo) {
      const endpoints = await memo(`webhooks:${scope.environmentId}`, () => repo.listEnabledEndpoints(db, scope));
      return endpoints.some(
        (endpoint) =>
          ulidOf(endpoint.id) <= ulidOf(event.id) &&
          eventMatchesFilters(fromJson<string[]>(endpoint.enabled_events, []), event.type),
      );
    },
    async handle(scope, event, job) {
      await db.transaction().execute(async (tx) => {
        const now = isoNow(clock);
        for (const endpoint of await repo.listEnabledEndpoints(tx, scope)) {
          if (!eventMatchesFilters(fromJson<string[]>(endpoint.enabled_events, []), event.type)) continue;
          // Fan-out runs a little after the write: an endpoint made meanwhile gets only the events
          // recorded after it, as if the delivery had been decided at the write (ids are ULIDs).
          if (ulidOf(endpoint.id) > ulidOf(event.id)) continue;
          // An endpoint's own changes (created, disabled, …) are news for the tenant's other endpoints.
          if (event.type.startsWith("webhook_endpoint.") && event.data.object.id === endpoint.id) continue;
          const id = newId("webhook_delivery");
          const inserted = await repo.insertDelivery(tx, {
            id,
            tenant_id: scope.tenantId,
            environment_id: scope.environmentId,
            endpoint_id: endpoint.id,
            event_id: event.id,
            event_type: event.type,
            status: "pending",
            attempt_count: 0,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
          });
          if (inserted) await enqueueAttempt(tx, scope, endpoint.id, id, 1, now);
        }
        await job.complete(tx);
      });
    },
  });

  /** Every secret that signs right now: the current one, plus the previous one during its overlap. */
  function activeSecrets(endpoint: WebhookEndpointRow, now: string): string[] {
    const purpose = secretPurpose(endpoint.id);
    const list = [secrets.open(endpoint.secret_encrypted, purpose)];
    const previous = endpoint.previous_secret_encrypted;
    const until = endpoint.previous_secret_expires_at;
    if (previous && until && until > now) list.push(secrets.open(previous, purpose));
    return list;
  }

  /** Events may be removed by retention; a delivery of a vanished event has nothing left to send. */
  async function findEvent(scope: Scope, id: string): Promise<Event | undefined> {
    try {
      return await events.get(scope, id);
    } catch (error) {
      if (error instanceof ApiError && error.code === "NOT_FOUND") return undefined;
      throw error;
    }
  }

  /** Sends once and records the attempt: shared by the automatic schedule and manual replays. */
  async function attempt(
    scope: Scope,
    endpoint: WebhookEndpointRow,
    delivery: WebhookDeliveryRow,
    event: Event,
    trigger: "automatic" | "manual",
  ): Promise<SendResult> {
    const started = clock.now();
    const startedAt = started.toISOString();
    const result = await sendWebhook({
      url: endpoint.url,
      event,
      secrets: activeSecrets(endpoint, startedAt),
      timestampSeconds: Math.floor(started.getTime() / 1000),
      allowPrivate,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    await db.transaction().execute(async (tx) => {
      const number = await repo.claimAttemptNumber(tx, scope, delivery.id, isoNow(clock));
      await repo.insertAttempt(tx, {
        delivery_id: delivery.id,
        number,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        trigger,
        started_at: startedAt,
        duration_ms: result.durationMs,
        status_code: result.statusCode,
        error: result.error,
        response_excerpt: result.excerpt,
        succeeded: result.succeeded ? 1 : 0,
      });
      if (result.succeeded) {
        await repo.updateDelivery(tx, scope, delivery.id, { status: "succeeded", next_attempt_at: null });
        await repo.updateEndpoint(tx, scope, endpoint.id, { last_success_at: startedAt, failing_since: null });
      } else {
        await repo.markEndpointFailing(tx, scope, endpoint.id, startedAt);
      }
    });
    return result;
  }

  async function giveUp(tx: Db, scope: Scope, deliveryId: string): Promise<boolean> {
    return repo.updateDelivery(
      tx,
      scope,
      deliveryId,
      { status: "failed", next_attempt_at: null, updated_at: isoNow(clock) },
      "pending",
    );
  }

  /** Disables an endpoint and records `webhook_endpoint.disabled`, in the caller's transaction. */
  async function disableEndpoint(
    tx: Db,
    scope: Scope,
    endpointId: string,
    reason: "manual" | "persistent_failure",
  ): Promise<void> {
    await repo.updateEndpoint(tx, scope, endpointId, {
      status: "disabled",
      disabled_reason: reason,
      updated_at: isoNow(clock),
    });
    const row = await repo.findEndpoint(tx, scope, endpointId);
    if (row) await events.record(tx, scope, { type: "webhook_endpoint.disabled", object: toEndpoint(row) });
  }

  /**
   * The auto-disable rule: a delivery has used up all its automatic attempts (≈ 3 days) and no
   * delivery to the endpoint succeeded since that delivery's first attempt. A success clears
   * `failing_since`, and the next failure sets it anew, so "failing since no later than the first
   * attempt" means "not one success in that whole time".
   */
  async function disableIfPersistentlyFailing(tx: Db, scope: Scope, endpointId: string, deliveryId: string) {
    const endpoint = await repo.findEndpoint(tx, scope, endpointId);
    if (endpoint?.status !== "enabled" || !endpoint.failing_since) return;
    const firstAttempt = await repo.firstAttemptAt(tx, scope, deliveryId);
    if (!firstAttempt || endpoint.failing_since > firstAttempt) return;
    await disableEndpoint(tx, scope, endpointId, "persistent_failure");
  }

  jobs.register(WEBHOOK_JOB, async ({ payload, scope }) => {
    const { delivery_id, attempt: n } = payload as DeliverPayload;
    if (!scope) return;
    const delivery = await repo.findDeliveryById(db, scope, delivery_id);
    // Deleted with its endpoint, delivered by a replay, or given up: nothing left to do.
    if (delivery?.status !== "pending") return;
    const endpoint = await repo.findEndpoint(db, scope, delivery.endpoint_id);
    if (!endpoint) return;
    const event = endpoint.status === "enabled" ? await findEvent(scope, delivery.event_id) : undefined;
    if (!event) {
      // A disabled endpoint receives nothing; its deliveries can be replayed once it is enabled.
      await db.transaction().execute((tx) => giveUp(tx, scope, delivery.id));
      return;
    }
    const result = await attempt(scope, endpoint, delivery, event, "automatic");
    if (result.succeeded) return;
    const delay = retryDelayMs(n, random, schedule);
    const now = clock.now();
    await db.transaction().execute(async (tx) => {
      if (delay === undefined) {
        if (await giveUp(tx, scope, delivery.id))
          await disableIfPersistentlyFailing(tx, scope, endpoint.id, delivery.id);
        return;
      }
      const runAt = new Date(now.getTime() + delay).toISOString();
      const set = { next_attempt_at: runAt, updated_at: now.toISOString() };
      if (await repo.updateDelivery(tx, scope, delivery.id, set, "pending")) {
        await enqueueAttempt(tx, scope, endpoint.id, delivery.id, n + 1, runAt);
      }
    });
  });

  return { attempt, findEvent, disableEndpoint };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
