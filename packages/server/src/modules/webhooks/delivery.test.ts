import type { Event } from "@tessera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTesseraWebhookError, verifyWebhook } from "../../../../sdk/src/webhooks.js";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { emitEvent, type ReceivedWebhook, startReceiver, verifyStandard } from "../../../test/webhook-receiver.js";
import type { Scope } from "../../context.js";

/** The SDK's verifier, its clock pinned to the moment of sending (the sender runs on a ManualClock). */
function verifySdk(secret: string, r: ReceivedWebhook) {
  return verifyWebhook(secret, r.headers, r.body, { now: () => Number(r.timestamp) * 1000 });
}

describe("webhook deliveries to a real receiver", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let scope: Scope;
  const drain = () => ctx.services.worker.drain();
  const seconds = () => String(Math.floor(ctx.clock.now().getTime() / 1000));

  beforeAll(async () => {
    // The receivers listen on 127.0.0.1, which production refuses by default.
    ctx = await createTestApp({}, { webhooks: { allowPrivateAddresses: true } });
    acme = await createTestTenant(ctx);
    scope = acme.scopes.development!;
  });
  afterAll(() => ctx.close());

  async function endpoint(url: string, enabled_events = ["*"]) {
    const res = await acme.api("POST", "/v1/webhook-endpoints", { url, enabled_events });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }
  async function deliveries(endpointId: string) {
    const res = await acme.api("GET", `/v1/webhook-endpoints/${endpointId}/deliveries?limit=100`);
    expect(res.status).toBe(200);
    return res.body.data as Json[];
  }
  async function deliveryOf(endpointId: string, eventId: string) {
    return (await deliveries(endpointId)).find((d) => d.event_id === eventId);
  }

  it("signs so that standardwebhooks and the SDK verify the delivery unchanged; the body is the API's event", async () => {
    const rx = await startReceiver();
    const ep = await endpoint(rx.url);
    try {
      const event = await emitEvent(ctx, scope, "customer.created", {
        id: "cus_1",
        object: "customer",
        email: "a@b.c",
      });
      await drain();
      expect(rx.received).toHaveLength(1);
      const [r] = rx.received as [ReceivedWebhook];
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["user-agent"]).toMatch(/^Tessera-Webhooks\//);
      expect(r.id).toBe(event.id);
      expect(r.timestamp).toBe(seconds());
      expect(r.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

      const api = await acme.api("GET", `/v1/events/${event.id}`);
      expect(verifyStandard(ep.secret, r)).toEqual(api.body);
      expect(await verifySdk(ep.secret, r)).toEqual(api.body);
      expect(JSON.parse(r.body)).toMatchObject({
        id: event.id,
        type: "customer.created",
        created_at: event.created_at,
        tenant: acme.id,
        environment: "development",
        data: { object: { id: "cus_1", object: "customer", email: "a@b.c" } },
        correlation_id: null,
      });

      const tampered = { ...r, body: r.body.replace("a@b.c", "x@b.c") };
      expect(() => verifyStandard(ep.secret, tampered)).toThrow(/signature/i);
      const other = await endpoint("https://hooks.example.com/other", ["payment.failed"]);
      expect(() => verifyStandard(other.secret, r)).toThrow(/signature/i);
      const refused = await verifySdk(other.secret, r).catch((e: unknown) => e);
      expect(isTesseraWebhookError(refused) && refused.code).toBe("WEBHOOK_SIGNATURE_INVALID");

      const [delivery] = await deliveries(ep.id);
      expect(delivery).toMatchObject({ status: "succeeded", attempt_count: 1, next_attempt_at: null });
      expect(delivery.attempts).toEqual([
        expect.objectContaining({
          number: 1,
          trigger: "automatic",
          started_at: ctx.clock.now().toISOString(),
          status_code: 200,
          error: null,
          response_excerpt: "ok",
          succeeded: true,
        }),
      ]);
      await acme.api("DELETE", `/v1/webhook-endpoints/${other.id}`);
    } finally {
      await acme.api("DELETE", `/v1/webhook-endpoints/${ep.id}`);
      await rx.close();
    }
  });

  it("a receiver that is down (500, then a closed port) gets every event once it is back, ids stable", async () => {
    const rx = await startReceiver(() => ({ status: 500, body: "x".repeat(5000) }));
    const ep = await endpoint(rx.url);
    try {
      const sent: Event[] = [];
      for (const type of ["customer.created", "customer.updated", "payment.failed"] as const) {
        sent.push(await emitEvent(ctx, scope, type));
      }
      await drain();
      // Attempt 1 of each (deliveries run concurrently: order is not promised, as Standard Webhooks says).
      expect(rx.received.map((r) => r.id).sort()).toEqual(sent.map((e) => e.id).sort());
      const first = await deliveryOf(ep.id, sent[0]!.id);
      expect(first).toMatchObject({ status: "pending", attempt_count: 1 });
      expect(first.attempts[0]).toMatchObject({ status_code: 500, error: "HTTP 500", succeeded: false });
      expect(first.attempts[0].response_excerpt).toBe("x".repeat(1024));
      const wait = Date.parse(first.next_attempt_at) - Date.parse(first.attempts[0].started_at);
      expect(wait).toBeGreaterThanOrEqual(4_500);
      expect(wait).toBeLessThanOrEqual(5_500);

      ctx.clock.advance(6_000);
      await drain();
      expect(rx.received).toHaveLength(6);

      await rx.down();
      sent.push(await emitEvent(ctx, scope, "subscription.renewed"));
      await drain();
      ctx.clock.advance(6 * 60_000); // past attempt 3 of the first three (≈ 5 min) and attempt 2 of the fourth
      await drain();
      const refused = await deliveryOf(ep.id, sent[0]!.id);
      expect(refused.attempts).toHaveLength(3);
      expect(refused.attempts[2]).toMatchObject({ status_code: null, succeeded: false });
      expect(refused.attempts[2].error).toBeTruthy();
      const retryWait = Date.parse(refused.next_attempt_at) - Date.parse(refused.attempts[2].started_at);
      expect(retryWait).toBeGreaterThanOrEqual(27 * 60_000);
      expect(retryWait).toBeLessThanOrEqual(33 * 60_000);
      expect(rx.received).toHaveLength(6);

      await rx.up();
      rx.respond = () => ({ status: 204 });
      ctx.clock.advance(35 * 60_000);
      await drain();
      sent.push(await emitEvent(ctx, scope, "invoice.paid"));
      await drain();

      const ids = sent.map((e) => e.id);
      // At-least-once: deduped by webhook-id, the receiver acknowledged every event.
      expect(new Set(rx.acknowledged())).toEqual(new Set(ids));
      expect(rx.received.every((r) => ids.includes(r.id))).toBe(true);
      for (const event of sent) {
        const copies = rx.received.filter((r) => r.id === event.id);
        // Same webhook-id and body on every attempt; a fresh timestamp and signature each time.
        expect(new Set(copies.map((c) => c.body)).size).toBe(1);
        for (const copy of copies) expect(verifyStandard(ep.secret, copy)).toMatchObject({ id: event.id });
        const delivery = await deliveryOf(ep.id, event.id);
        expect(delivery.status).toBe("succeeded");
        expect(delivery.attempts.at(-1)).toMatchObject({ status_code: 204, succeeded: true });
        expect(delivery.attempt_count).toBe(delivery.attempts.length);
      }
      const firstCopies = rx.received.filter((r) => r.id === ids[0]);
      expect(new Set(firstCopies.map((c) => c.timestamp)).size).toBe(firstCopies.length);
      expect(
        (await deliveryOf(ep.id, ids[0]!)).attempts.map((a: { status_code: number | null }) => a.status_code),
      ).toEqual([500, 500, null, 204]);
    } finally {
      await acme.api("DELETE", `/v1/webhook-endpoints/${ep.id}`);
      await rx.close();
    }
  });

  it("replays a delivery on demand with the same webhook-id; a replay's success ends the schedule", async () => {
    const rx = await startReceiver(() => ({ status: 503 }));
    const ep = await endpoint(rx.url, ["payment.*"]);
    try {
      const event = await emitEvent(ctx, scope, "payment.failed", { id: "pay_1", object: "payment" });
      await drain();
      const pending = await deliveryOf(ep.id, event.id);
      expect(pending).toMatchObject({ status: "pending", attempt_count: 1 });

      rx.respond = () => ({ status: 200 });
      ctx.clock.advance(1_000);
      const replay = await acme.api("POST", `/v1/webhook-endpoints/${ep.id}/deliveries/${pending.id}/retry`);
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({
        id: pending.id,
        status: "succeeded",
        attempt_count: 2,
        next_attempt_at: null,
      });
      expect(replay.body.attempts[1]).toMatchObject({
        number: 2,
        trigger: "manual",
        status_code: 200,
        succeeded: true,
      });
      expect(rx.received.map((r) => r.id)).toEqual([event.id, event.id]);
      expect(rx.received[1]!.timestamp).toBe(seconds());

      // The automatic attempt that was scheduled finds the delivery done and sends nothing.
      ctx.clock.advance(10_000);
      await drain();
      expect(rx.received).toHaveLength(2);

      // A succeeded delivery can be replayed too (a receiver that lost it); it stays succeeded.
      rx.respond = () => ({ status: 500 });
      const again = await acme.api("POST", `/v1/webhook-endpoints/${ep.id}/deliveries/${pending.id}/retry`);
      expect(again.body).toMatchObject({ status: "succeeded", attempt_count: 3 });
      expect(again.body.attempts[2]).toMatchObject({ trigger: "manual", status_code: 500, succeeded: false });
      expect(rx.received.map((r) => r.id)).toEqual([event.id, event.id, event.id]);

      const missing = await acme.api("POST", `/v1/webhook-endpoints/${ep.id}/deliveries/whd_missing/retry`);
      expect(missing.status).toBe(404);
      const other = await endpoint("https://hooks.example.com/x", ["invoice.paid"]);
      const elsewhere = await acme.api("POST", `/v1/webhook-endpoints/${other.id}/deliveries/${pending.id}/retry`);
      expect(elsewhere.status).toBe(404);
      await acme.api("DELETE", `/v1/webhook-endpoints/${other.id}`);

      await acme.api("PATCH", `/v1/webhook-endpoints/${ep.id}`, { status: "disabled" });
      const disabled = await acme.api("POST", `/v1/webhook-endpoints/${ep.id}/deliveries/${pending.id}/retry`);
      expect(disabled.status).toBe(409);
      expect(rx.received).toHaveLength(3);
    } finally {
      await acme.api("DELETE", `/v1/webhook-endpoints/${ep.id}`);
      await rx.close();
    }
  });

  it("signs with both secrets during a rotation overlap, then with the new one only", async () => {
    const rx = await startReceiver();
    const ep = await endpoint(rx.url, ["customer.*"]);
    try {
      const rotated = await acme.api("POST", `/v1/webhook-endpoints/${ep.id}/rotate-secret`, { expires_in_hours: 1 });
      const fresh = rotated.body.secret as string;

      await emitEvent(ctx, scope, "customer.updated");
      await drain();
      const during = rx.received.at(-1)!;
      expect(during.signature.split(" ")).toHaveLength(2);
      for (const secret of [ep.secret, fresh]) {
        expect(verifyStandard(secret, during)).toMatchObject({ type: "customer.updated" });
        expect(await verifySdk(secret, during)).toMatchObject({ type: "customer.updated" });
      }

      ctx.clock.advance(61 * 60_000);
      await emitEvent(ctx, scope, "customer.deleted");
      await drain();
      const after = rx.received.at(-1)!;
      expect(after.signature.split(" ")).toHaveLength(1);
      expect(verifyStandard(fresh, after)).toMatchObject({ type: "customer.deleted" });
      expect(() => verifyStandard(ep.secret, after)).toThrow(/signature/i);
      await expect(verifySdk(ep.secret, after)).rejects.toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID" });

      // Without an overlap the old secret stops at once.
      const abrupt = await acme.api("POST", `/v1/webhook-endpoints/${ep.id}/rotate-secret`, { expires_in_hours: 0 });
      await emitEvent(ctx, scope, "customer.created");
      await drain();
      const last = rx.received.at(-1)!;
      expect(verifyStandard(abrupt.body.secret, last)).toMatchObject({ type: "customer.created" });
      expect(() => verifyStandard(fresh, last)).toThrow(/signature/i);
    } finally {
      await acme.api("DELETE", `/v1/webhook-endpoints/${ep.id}`);
      await rx.close();
    }
  });
});
