import type { Event, EventType } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { EventRow } from "../../db/types.js";
import type { JobContext } from "../../jobs/worker.js";

/** An event as a consumer gets it, with the scope to handle it in (the consumer as actor, the event as cause). */
export interface ConsumedEvent {
  scope: Scope;
  event: Event;
}

/**
 * Something fed from committed events (webhooks, entitlement pushes, …). It runs in jobs after the
 * write committed, one per fan-out page of the events it wants, each event at least once: `handle`
 * must be idempotent (a unique key or a compare-before-write), and it may finish its job in its own
 * transaction with `job.complete(tx)` (only the page's last event is given the real one).
 */
export interface EventConsumer {
  /** Stable: it is part of each consume job's dedupe key. */
  name: string;
  /** The event types it wants, or "*" for all. */
  types: readonly EventType[] | "*";
  handle(scope: Scope, event: Event, job: JobContext): Promise<void>;
  /**
   * Optional: a page of events (of one environment, in id order) at once, instead of `handle` for
   * each; for consumers whose per-event cost is mostly fixed (a lock, a transaction). Idempotent per
   * event like `handle`. When it throws, the page's events retry one by one through `handle`.
   */
  handleBatch?(events: ConsumedEvent[], job: JobContext): Promise<void>;
  /**
   * Optional, at fan-out: false when the consumer has nothing to do with the event (no webhook
   * endpoint wants it), so no job is made for it. Reads go through `memo`, shared by one fan-out run.
   */
  accepts?(scope: Scope, event: Pick<EventRow, "id" | "type" | "object_id">, memo: Memo): Promise<boolean>;
}

export type Memo = <T>(key: string, load: () => Promise<T>) => Promise<T>;

export function memoOf(): Memo {
  const values = new Map<string, unknown>();
  return async <T>(key: string, load: () => Promise<T>): Promise<T> => {
    if (!values.has(key)) values.set(key, await load());
    return values.get(key) as T;
  };
}

export function wants(consumer: EventConsumer, type: string): boolean {
  return consumer.types === "*" || (consumer.types as readonly string[]).includes(type);
}
