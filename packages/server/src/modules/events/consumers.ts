import type { Event, EventType } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { JobContext } from "../../jobs/worker.js";

/**
 * Something fed from committed events (webhooks, entitlement pushes, …). It runs in a job of its
 * own per event, after the write committed, and at least once: `handle` must be idempotent (a
 * unique key or a compare-before-write), and it may finish its job in its own transaction with
 * `job.complete(tx)`.
 */
export interface EventConsumer {
  /** Stable: it is part of each consume job's dedupe key. */
  name: string;
  /** The event types it wants, or "*" for all. */
  types: readonly EventType[] | "*";
  handle(scope: Scope, event: Event, job: JobContext): Promise<void>;
}

export function wants(consumer: EventConsumer, type: string): boolean {
  return consumer.types === "*" || (consumer.types as readonly string[]).includes(type);
}
