import type { Event } from "@tessera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import type { Scope } from "../../context.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import * as repo from "./repo.js";

describe("events: actors, lineage and fan-out after commit", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let scope: Scope;
  const seen: Event[] = [];
  let failing = true;
  const failures: string[] = [];

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    scope = acme.scopes.development!;
    ctx.services.events.subscribe({
      name: "test-recorder",
      types: ["customer.created", "customer.updated"],
      async handle(_scope, event) {
        seen.push(event);
      },
    });
    // A consumer that fails: it must neither block the write nor the other consumers.
    ctx.services.events.subscribe({
      name: "test-broken",
      types: "*",
      async handle(_scope, event) {
        if (failing) {
          failures.push(event.id);
          throw new Error("consumer down");
        }
      },
    });
    await acme.api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" });
  });
  afterAll(() => ctx.close());

  const seenIds = () => seen.map((e) => e.id);

  it("records the API key as actor and the request as correlation and cause", async () => {
    const res = await acme.api(
      "POST",
      "/v1/customers",
      { storefront: "web", external_id: "u-1" },
      { "x-request-id": "req_lineage_1" },
    );
    expect(res.status).toBe(201);
    const list = await acme.api("GET", `/v1/events?object_id=${res.body.id}`);
    const [event] = list.body.data;
    expect(event).toMatchObject({
      type: "customer.created",
      request_id: "req_lineage_1",
      correlation_id: "req_lineage_1",
      causation_id: "req_lineage_1",
      actor: { type: "api_key", id: expect.stringMatching(/^key_/) },
    });
    // Committed, but consumers are fed by jobs: nothing has run yet.
    expect(seenIds()).not.toContain(event.id);
    await ctx.services.worker.drain();
    expect(seenIds().filter((id) => id === event.id)).toHaveLength(1);
    // The broken consumer failed on it, and the write stands.
    expect(failures).toContain(event.id);
    expect((await acme.api("GET", `/v1/customers/${res.body.id}`)).status).toBe(200);
  });

  it("finds an event that committed after a later one was fanned out (no id cursor)", async () => {
    const earlyId = newId("event");
    const later = await ctx.deps.db.transaction().execute((tx) =>
      ctx.services.events.record(tx, scope, {
        type: "customer.updated",
        object: { id: "cus_x", object: "customer" },
      }),
    );
    await ctx.services.events.afterCommit(scope);
    await ctx.services.worker.drain();
    expect(seenIds()).toContain(later.id);
    // An id made before `later` but committed after it was fanned out.
    await repo.insertEvent(ctx.deps.db, {
      id: earlyId,
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      type: "customer.updated",
      object_type: "customer",
      object_id: "cus_y",
      data: toJson({ id: "cus_y", object: "customer" }),
      correlation_id: null,
      request_id: null,
      created_at: ctx.clock.now().toISOString(),
      actor: null,
      causation_id: null,
      fanned_out_at: null,
      idempotency_key: null,
      audit_notes: null,
    });
    expect(earlyId < later.id).toBe(true);
    await ctx.services.events.afterCommit(scope);
    await ctx.services.worker.drain();
    expect(seenIds()).toContain(earlyId);
  });

  it("delivers once per consumer however often it is kicked, and the sweep finds a lost kick", async () => {
    const event = await ctx.deps.db.transaction().execute((tx) =>
      ctx.services.events.record(tx, scope, {
        type: "customer.updated",
        object: { id: "cus_z", object: "customer" },
      }),
    );
    // No kick: the process "died" after the commit.
    await ctx.services.worker.drain();
    expect(seenIds()).not.toContain(event.id);
    await ctx.services.events.scheduleSweep();
    await ctx.services.events.scheduleSweep();
    await ctx.services.worker.drain();
    expect(seenIds().filter((id) => id === event.id)).toHaveLength(1);
    // Kicking again finds nothing pending and duplicates nothing.
    await ctx.services.events.afterCommit(scope);
    await ctx.services.worker.drain();
    expect(seenIds().filter((id) => id === event.id)).toHaveLength(1);
  });

  it("retries a failed consumer on its own until it succeeds, once per event", async () => {
    const before = failures.length;
    expect(before).toBeGreaterThan(0);
    failing = false;
    // The queue's backoff is at most an hour by the wall clock.
    ctx.clock.advance(2 * 3_600_000);
    await ctx.services.worker.drain();
    const jobs = await ctx.deps.db
      .selectFrom("jobs")
      .select(["status", "dedupe_key", "correlation_id", "causation_id"])
      .where("type", "=", "events.consume")
      .where("dedupe_key", "like", "events.consume:test-broken:%")
      .execute();
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => j.status === "done")).toBe(true);
    // Each consume job continues its event's correlation and names the event as its cause.
    for (const job of jobs) expect(job.causation_id).toMatch(/^evt_/);
    expect(jobs.some((j) => j.correlation_id === "req_lineage_1")).toBe(true);
  });
});
