import type { AdvanceTestClockInput, Event, EventListParams, TestClock } from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { Namespace, type Page, paginate } from "./resources.js";

/** Lifecycle events of the environment (`tessera.events`): what webhooks deliver, kept to read back. */
export class EventsApi extends Namespace {
  /**
   * One page of events, newest first (filter by type or `prefix.*`, object id, time).
   *
   * @example
   * const { data } = await tessera.events.list({ type: "subscription.*", object_id: "sub_123" });
   */
  list(params?: EventListParams, options?: RequestOptions): Promise<Page<Event>> {
    return this.call("GET", "/v1/events", { ...options, query: params });
  }

  /**
   * Every event that matches, fetching pages as the loop goes.
   *
   * @example
   * for await (const event of tessera.events.all({ created_gte: "2026-01-01T00:00:00Z" })) console.log(event.type);
   */
  all(params?: EventListParams): AsyncGenerator<Event> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * An event.
   *
   * @example
   * const event = await tessera.events.retrieve("evt_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<Event> {
    return this.call("GET", `/v1/events/${seg(id)}`, options);
  }
}

/**
 * The environment's test clock (`tessera.testClocks`; needs `test_clocks:write`, refused in
 * production): move time forward and watch renewals, dunning and expiries happen.
 */
export class TestClocksApi extends Namespace {
  /**
   * The environment's time, and whether a test clock freezes it.
   *
   * @example
   * const { now, frozen } = await tessera.testClocks.current();
   */
  current(options?: RequestOptions): Promise<TestClock> {
    return this.call("GET", "/v1/test-clocks/current", options);
  }

  /**
   * Moves the environment's time forward, by an ISO-8601 duration or to an instant, and runs
   * everything that became due, in order.
   *
   * @example
   * const { now, jobs_run } = await tessera.testClocks.advance({ by: "P1M" });
   */
  advance(input: AdvanceTestClockInput, options?: RequestOptions): Promise<TestClock> {
    return this.call("POST", "/v1/test-clocks/advance", { ...options, json: input });
  }

  /**
   * Unfreezes the environment's time: it follows real time again. Objects keep their times.
   *
   * @example
   * const { frozen } = await tessera.testClocks.reset(); // false
   */
  reset(options?: RequestOptions): Promise<TestClock> {
    return this.call("POST", "/v1/test-clocks/reset", options);
  }
}
