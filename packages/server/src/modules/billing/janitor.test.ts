import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findJob, gatedSandbox, jobStatus, runJob } from "../../../test/billing-interleave.js";
import { billingCatalog, freezeAt, subscribe } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { type FakeStripe, startFakeStripe } from "../payments/providers/stripe/fake-stripe.js";
import { stripeProvider } from "../payments/providers/stripe/index.js";
import { STALE_AFTER_MS } from "./janitor.js";

/*
 * The payments janitor (janitor.ts): a payment whose every finisher died stays pending until the
 * janitor finds it, and it ends as the provider says, with no second charge. Stripe is the local
 * fake in Stripe's shapes; its idempotency layer and search by our key are what "never twice" rests on.
 */

const TIMEOUT_MS = 1000;

describe("payments janitor", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let stripe: FakeStripe;
  const gate = { current: undefined as ReturnType<typeof gatedSandbox> | undefined };

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    stripe = await startFakeStripe();
    // A Stripe whose charge requests are lost on the way (after leaving us, before Stripe got them).
    const lossy: typeof fetch = async (input, init) => {
      const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
      if (init?.method === "POST" && url.pathname === "/v1/payment_intents") {
        const signal = init.signal;
        await new Promise((_, reject) =>
          signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
        );
      }
      return fetch(input, init);
    };
    ctx.services.payments.registry.register(stripeProvider({ fetch: lossy, clock: ctx.clock }, "stripe_lossy"));
    gate.current = gatedSandbox(ctx.deps.db);
    ctx.services.payments.registry.register(gate.current.provider);
  });
  afterAll(async () => {
    await stripe?.close();
    await ctx?.close();
  });

  const janitor = () => ctx.services.subscriptions.billing.janitor;
  const payment = async (id: string) => (await acme.api("GET", `/v1/payments/${id}`)).body;
  const stripeAt = (name: string) => ({
    name,
    config: { api_base: stripe.url, timeout_ms: TIMEOUT_MS },
    credentials: { secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret },
  });
  /** The check ran out of attempts while nobody could reach Stripe: its worker gave up on it. */
  const checkDied = async (paymentId: string) => {
    const check = await findJob(ctx, "payment.check", paymentId);
    await ctx.deps.db
      .updateTable("jobs")
      .set({ status: "dead", attempts: check.max_attempts, last_error: "stripe unreachable" })
      .where("id", "=", check.id)
      .execute();
  };
  /** Time passes beyond the janitor's threshold; the sweep and the jobs it schedules run. */
  const janitorRuns = async (testClock?: { env: string; at: string }) => {
    ctx.clock.advance(STALE_AFTER_MS + 60_000);
    if (testClock) await ctx.services.tenancy.setTestClock(testClock.env, testClock.at);
    const scheduled = await janitor().sweep();
    await ctx.services.worker.drain();
    return scheduled;
  };

  it("a charge Stripe made whose answer was lost, and whose check died, ends succeeded: one charge at Stripe", async () => {
    const cat = await billingCatalog(acme.api, { providers: [stripeAt("stripe")] });
    // Stripe processes the request and the answer never comes: the attempt is unknown after sending.
    const sub = await subscribe(acme.api, cat, { payment_method: "pm_fake_timeout" });
    const pay = sub.latest_payment;
    expect(await payment(pay.id)).toMatchObject({ status: "pending", provider_reference: null });
    expect(stripe.intentsUnder(pay.idempotency_key)).toBe(1);
    await checkDied(pay.id);
    // Nobody else finishes it: draining the queue leaves it pending.
    await ctx.services.worker.drain();
    expect((await payment(pay.id)).status).toBe("pending");

    expect(await janitorRuns()).toBeGreaterThanOrEqual(1);
    const after = await payment(pay.id);
    expect(after).toMatchObject({ status: "succeeded", amount: 999 });
    expect(after.provider_reference).toMatch(/^pi_/);
    expect(stripe.intentsUnder(pay.idempotency_key)).toBe(1);
    expect((await acme.api("GET", `/v1/subscriptions/${sub.id}`)).body.status).toBe("active");
    // Another sweep finds nothing left to do.
    expect(await janitorRuns()).toBe(0);
  });

  it("a charge request lost before Stripe got it ends failed when the janitor asks: nothing charged", async () => {
    const cat = await billingCatalog(acme.api, { providers: [stripeAt("stripe_lossy")] });
    const sub = await subscribe(acme.api, cat, { payment_method: "pm_card_visa" });
    const pay = sub.latest_payment;
    expect(await payment(pay.id)).toMatchObject({ status: "pending" });
    await checkDied(pay.id);
    await janitorRuns();
    expect(await payment(pay.id)).toMatchObject({ status: "failed", failure_code: "search_empty" });
    expect(stripe.intentsUnder(pay.idempotency_key)).toBe(0);
  });

  it("a renewal whose worker died in flight, and whose job then died, is put back and resumed: charged once", async () => {
    const tenant = await createTestTenant(ctx, "janitor-renewal");
    const start = "2026-03-01T00:00:00.000Z";
    await freezeAt(tenant.api, start);
    const cat = await billingCatalog(tenant.api, { providers: [{ name: gate.current!.provider.name }] });
    const sub = await subscribe(tenant.api, cat, {});
    const env = tenant.scopes.development!.environmentId;
    await ctx.services.tenancy.setTestClock(env, "2026-04-01T12:00:00.000Z");
    const job = await findJob(ctx, "subscription.period_end", sub.id);
    // The sandbox charges, then the process dies before recording it; the job later runs out of attempts.
    const died = gate.current!.hold("charge", "after");
    void runJob(ctx, job, "worker-a");
    await died.reached;
    await ctx.deps.db
      .updateTable("jobs")
      .set({ status: "dead", locked_by: null, attempts: job.max_attempts })
      .where("id", "=", job.id)
      .execute();
    const inflight = (
      await ctx.deps.db.selectFrom("subscriptions").selectAll().where("id", "=", sub.id).executeTakeFirstOrThrow()
    ).inflight_payment_id!;
    expect((await tenant.api("GET", `/v1/payments/${inflight}`)).body.status).toBe("pending");

    // Its environment's clock is frozen: staleness is by that clock.
    await janitorRuns({ env, at: "2026-04-01T14:00:00.000Z" });
    await ctx.services.worker.drain();
    expect(await jobStatus(ctx, job.id)).toBe("done");
    expect((await tenant.api("GET", `/v1/payments/${inflight}`)).body).toMatchObject({ status: "succeeded" });
    const renewed = await tenant.api("GET", `/v1/subscriptions/${sub.id}`);
    expect(renewed.body).toMatchObject({ status: "active", current_period_start: "2026-04-01T00:00:00.000Z" });
    const ops = await ctx.deps.db
      .selectFrom("sandbox_operations")
      .select(["idempotency_key", "operation"])
      .where("idempotency_key", "like", `${sub.id}:p2:%`)
      .execute();
    expect(ops).toEqual([{ idempotency_key: `${sub.id}:p2:a1`, operation: "charge" }]);
  });
});
