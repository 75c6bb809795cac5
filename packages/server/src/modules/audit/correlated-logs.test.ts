import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advance, billingCatalog, freezeAt, subscribe } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

/*
 * Correlated logs: every line of an authenticated request, and of a job, names its correlation id,
 * tenant, environment and actor, so one search on a renewal's correlation id finds the PSP call.
 */

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
    done();
  },
});

let ctx: TestContext;
let tenant: TestTenant;

beforeAll(async () => {
  ctx = await createTestApp({ logger: pino({ level: "info" }, sink) });
  tenant = await createTestTenant(ctx, "logged");
});
afterAll(() => ctx.close());

describe("correlated logs", () => {
  it("binds request id, correlation id, tenant, environment and actor to a request's lines", async () => {
    const res = await tenant.api("GET", "/v1/entitlements", undefined, { "x-request-id": "req-logs-1" });
    expect(res.status).toBe(200);
    const access = lines.filter((l) => l.request_id === "req-logs-1");
    expect(access.length).toBeGreaterThan(0);
    for (const line of access) {
      expect(line).toMatchObject({
        correlation_id: "req-logs-1",
        tenant: tenant.id,
        environment: "development",
        actor: expect.stringMatching(/^api_key:key_/),
      });
    }
  });

  it("follows a renewal from its job to the PSP call by its correlation id", async () => {
    await freezeAt(tenant.api, "2026-06-01T00:00:00.000Z");
    const cat = await billingCatalog(tenant.api);
    const sub = await subscribe(tenant.api, cat, {});
    lines.length = 0;
    await advance(tenant.api, "P1M");
    const charges = lines.filter(
      (l) => l.msg === "payment provider charge" && l.job_type === "subscription.period_end",
    );
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({
      tenant: tenant.id,
      environment: "development",
      actor: "system:subscription.period_end",
      outcome: "succeeded",
    });
    // One search on that id: the job's line, the payment, the renewal's events and audit records.
    const correlation = charges[0]!.correlation_id as string;
    expect(correlation).toBe(charges[0]!.job_id);
    const payment = await ctx.deps.db
      .selectFrom("payments")
      .select("correlation_id")
      .where("id", "=", charges[0]!.payment as string)
      .executeTakeFirstOrThrow();
    expect(payment.correlation_id).toBe(correlation);
    const events = await tenant.api("GET", `/v1/events?object_id=${sub.id}&type=subscription.renewed`);
    expect(events.body.data[0].correlation_id).toBe(correlation);
    await ctx.services.worker.drain();
    const lineage = await tenant.api("GET", `/v1/audit/lineage/${correlation}`);
    expect(lineage.body.data.map((r: { action: string }) => r.action)).toEqual(
      expect.arrayContaining(["period_end.charge", "renewal.charge", "subscription.renewed"]),
    );
  });
});
