import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { closedPortUrl, emitEvent, type Receiver, startReceiver } from "../../../test/webhook-receiver.js";
import { MAX_AUTOMATIC_ATTEMPTS, RETRY_JITTER, RETRY_SCHEDULE_MS, retryDelayMs } from "./dispatcher.js";

const HOUR = 3_600_000;

describe("retry schedule and auto-disable", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let watcher: Receiver;
  let picky: Receiver;

  beforeAll(async () => {
    ctx = await createTestApp({}, { webhooks: { allowPrivateAddresses: true } });
    acme = await createTestTenant(ctx);
    watcher = await startReceiver();
    picky = await startReceiver();
  });
  afterAll(async () => {
    await watcher.close();
    await picky.close();
    await ctx.close();
  });

  /** Moves time forward in steps, running whatever became due after each step. */
  async function pump(totalMs: number, stepMs = HOUR) {
    for (let t = 0; t < totalMs; t += stepMs) {
      ctx.clock.advance(stepMs);
      await ctx.services.worker.drain();
    }
  }
  async function create(url: string, enabled_events: string[]) {
    const res = await acme.api("POST", "/v1/webhook-endpoints", { url, enabled_events });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }
  const get = async (id: string) => (await acme.api("GET", `/v1/webhook-endpoints/${id}`)).body;
  const deliveries = async (id: string) =>
    (await acme.api("GET", `/v1/webhook-endpoints/${id}/deliveries?limit=100`)).body.data as Json[];

  it("spans about three days with jitter, then stops", () => {
    const total = RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(2.75 * 24 * HOUR);
    expect(total).toBeLessThan(3.25 * 24 * HOUR);
    expect(MAX_AUTOMATIC_ATTEMPTS).toBe(RETRY_SCHEDULE_MS.length + 1);
    expect(retryDelayMs(1, () => 0)).toBe(5_000 * (1 - RETRY_JITTER));
    expect(retryDelayMs(1, () => 1)).toBe(5_000 * (1 + RETRY_JITTER));
    expect(retryDelayMs(MAX_AUTOMATIC_ATTEMPTS - 1, () => 0.5)).toBe(RETRY_SCHEDULE_MS.at(-1));
    expect(retryDelayMs(MAX_AUTOMATIC_ATTEMPTS)).toBeUndefined();
  });

  it("disables an endpoint that failed every attempt for three days, and records the event", async () => {
    const dead = await create(await closedPortUrl(), ["customer.created"]);
    // A healthy endpoint that is told about disabled endpoints.
    const watching = await create(watcher.url, ["webhook_endpoint.*"]);
    const event = await emitEvent(ctx, acme.scopes.development!, "customer.created");
    await ctx.services.worker.drain();

    await pump(60 * HOUR);
    // The jittered schedule cannot have run out yet: the last attempt is ≥ 64 h after the first.
    expect(await get(dead)).toMatchObject({ status: "enabled" });
    expect((await deliveries(dead))[0]).toMatchObject({ status: "pending" });

    await pump(40 * HOUR);
    expect(await get(dead)).toMatchObject({ status: "disabled", disabled_reason: "persistent_failure" });
    const [delivery] = await deliveries(dead);
    expect(delivery).toMatchObject({
      event_id: event.id,
      status: "failed",
      attempt_count: MAX_AUTOMATIC_ATTEMPTS,
      next_attempt_at: null,
    });
    expect(delivery.attempts.every((a: { succeeded: boolean; error: string }) => !a.succeeded && a.error)).toBe(true);

    const recorded = await acme.api("GET", "/v1/events?type=webhook_endpoint.disabled");
    expect(recorded.body.data).toHaveLength(1);
    const disabledEvent = recorded.body.data[0];
    expect(disabledEvent.data.object).toMatchObject({
      id: dead,
      status: "disabled",
      disabled_reason: "persistent_failure",
    });
    expect(disabledEvent.data.object).not.toHaveProperty("secret");

    // Delivered to the tenant's other endpoints, never to the one it is about.
    await ctx.services.worker.drain();
    expect(watcher.acknowledged()).toEqual([disabledEvent.id]);
    expect((await deliveries(watching)).map((d) => d.status)).toEqual(["succeeded"]);
    expect((await deliveries(dead)).map((d) => d.event_type)).toEqual(["customer.created"]);

    // A disabled endpoint gets no new deliveries until it is enabled again.
    await emitEvent(ctx, acme.scopes.development!, "customer.created");
    await ctx.services.worker.drain();
    expect(await deliveries(dead)).toHaveLength(1);
    const enabled = await acme.api("PATCH", `/v1/webhook-endpoints/${dead}`, { status: "enabled" });
    expect(enabled.body).toMatchObject({ status: "enabled", disabled_reason: null });
    await emitEvent(ctx, acme.scopes.development!, "customer.created");
    await ctx.services.worker.drain();
    expect(await deliveries(dead)).toHaveLength(2);
  });

  it("keeps an endpoint that succeeded meanwhile, although one delivery ran out of attempts", async () => {
    // Rejects one event for good, accepts everything else.
    let poison = "";
    picky.respond = (r) => ({ status: r.id === poison ? 500 : 200 });
    const endpoint = await create(picky.url, ["subscription.*"]);
    const scope = acme.scopes.development!;
    poison = (await emitEvent(ctx, scope, "subscription.renewed")).id;
    await ctx.services.worker.drain();
    await pump(10 * HOUR);
    await emitEvent(ctx, scope, "subscription.cancelled");
    await pump(90 * HOUR);

    const byEvent = new Map((await deliveries(endpoint)).map((d) => [d.event_id, d]));
    expect(byEvent.get(poison)).toMatchObject({ status: "failed", attempt_count: MAX_AUTOMATIC_ATTEMPTS });
    expect([...byEvent.values()].filter((d) => d.status === "succeeded")).toHaveLength(1);
    expect(await get(endpoint)).toMatchObject({ status: "enabled", disabled_reason: null });
    const disabled = await acme.api("GET", "/v1/events?type=webhook_endpoint.disabled");
    expect(disabled.body.data.map((e: { data: { object: { id: string } } }) => e.data.object.id)).not.toContain(
      endpoint,
    );

    // Once the receiver is fixed, the failed delivery can be replayed by hand.
    const failed = byEvent.get(poison);
    poison = "";
    const replay = await acme.api("POST", `/v1/webhook-endpoints/${endpoint}/deliveries/${failed.id}/retry`);
    expect(replay.body).toMatchObject({ status: "succeeded", attempt_count: MAX_AUTOMATIC_ATTEMPTS + 1 });
    expect(replay.body.attempts.at(-1)).toMatchObject({ trigger: "manual", status_code: 200 });
  });
});
