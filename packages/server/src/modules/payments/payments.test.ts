import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BillingCatalog,
  billingCatalog,
  eventsOf,
  freezeAt,
  newCustomer,
  paymentsOf,
  sandboxCharges,
  subscribe,
} from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import type { ProviderContext } from "./provider.js";
import { sandboxProvider } from "./providers/sandbox.js";

describe("payments API", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    await freezeAt(acme.api, "2026-05-01T00:00:00.000Z");
    cat = await billingCatalog(acme.api);
  });
  afterAll(() => ctx.close());

  it("lists and gets payments, filtered by customer, subscription and status", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const [payment] = await paymentsOf(acme.api, sub.id);
    expect(payment).toMatchObject({
      object: "payment",
      subscription: sub.id,
      customer: sub.customer,
      provider: "sandbox",
      status: "succeeded",
    });
    expect((await acme.api("GET", `/v1/payments/${payment.id}`)).body).toEqual(payment);
    expect((await acme.api("GET", `/v1/payments?customer=${sub.customer}`)).body.data).toEqual([payment]);
    const failed = await acme.api("GET", "/v1/payments?status=failed");
    expect(failed.body.data.every((p: { status: string }) => p.status === "failed")).toBe(true);
    expect((await acme.api("GET", "/v1/payments?status=weird")).status).toBe(400);
    expect((await acme.api("GET", "/v1/payments/pay_01JNOSUCHPAYMENT00000000000")).status).toBe(404);
  });

  it("refunds in part, then the rest, and refuses more", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const [payment] = await paymentsOf(acme.api, sub.id);
    const part = await acme.api("POST", `/v1/payments/${payment.id}/refund`, { amount: 300, reason: "goodwill" });
    expect(part.body).toMatchObject({ status: "succeeded", refunded_amount: 300 });
    const tooMuch = await acme.api("POST", `/v1/payments/${payment.id}/refund`, { amount: 700 });
    expect({ status: tooMuch.status, path: tooMuch.body.errors?.[0]?.path }).toEqual({ status: 400, path: "amount" });
    const rest = await acme.api("POST", `/v1/payments/${payment.id}/refund`);
    expect(rest.body).toMatchObject({ status: "refunded", refunded_amount: 999 });
    const again = await acme.api("POST", `/v1/payments/${payment.id}/refund`, {});
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: "INVALID_STATE_TRANSITION" });
    expect((await eventsOf(acme.api, payment.id)).map((e) => e.type)).toEqual([
      "payment.succeeded",
      "payment.refunded",
      "payment.refunded",
    ]);
    const provider = await ctx.deps.db
      .selectFrom("sandbox_operations")
      .selectAll()
      .where("id", "=", payment.provider_reference)
      .executeTakeFirstOrThrow();
    expect(Number(provider.refunded_amount)).toBe(999);
    // A refund does not end the subscription: that is the merchant's call.
    expect((await acme.api("GET", `/v1/subscriptions/${sub.id}`)).body.status).toBe("active");
  });

  it("refuses refunds of failed payments and bad bodies", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const declined = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: cat.prices.monthly,
      payment_method: "pm_sandbox_declined",
    });
    const res = await acme.api("POST", `/v1/payments/${declined.body.payment}/refund`, {});
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: "INVALID_STATE_TRANSITION" });
    for (const body of [{ amount: 0 }, { amount: 1.5 }, { amount: "all" }, { other: 1 }]) {
      expect((await acme.api("POST", `/v1/payments/${declined.body.payment}/refund`, body)).status).toBe(400);
    }
    expect((await acme.api("POST", "/v1/payments/pay_01JNOSUCHPAYMENT00000000000/refund", {})).status).toBe(404);
  });

  it("fails over to the next provider when the first is certainly down", async () => {
    ctx.services.payments.registry.register(sandboxProvider(ctx.deps.db, "sandbox_backup"));
    const failover = await billingCatalog(acme.api, {
      providers: [{ name: "sandbox", config: { simulate_outage: true } }, { name: "sandbox_backup" }],
    });
    const sub = await subscribe(acme.api, failover, {});
    expect(sub.latest_payment).toMatchObject({ provider: "sandbox_backup", status: "succeeded" });
    const down = await billingCatalog(acme.api, {
      providers: [{ name: "sandbox", config: { simulate_outage: true } }],
    });
    const customer = await newCustomer(acme.api, down.storefront);
    const res = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: down.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: "UNAVAILABLE" });
    expect((await acme.api("GET", `/v1/payments/${res.body.payment}`)).body).toMatchObject({
      status: "failed",
      failure_code: "provider_unavailable",
    });
  });

  it("gives the money back when the request that charged died before recording it", async () => {
    // A provider that charges and then loses the process: the error escapes after the money moved.
    const real = sandboxProvider(ctx.deps.db, "sandbox_crash");
    ctx.services.payments.registry.register({
      ...real,
      name: "sandbox_crash",
      charge: async (c, r) => {
        await real.charge(c, r);
        throw new Error("process died");
      },
    });
    const crashy = await billingCatalog(acme.api, { providers: [{ name: "sandbox_crash" }] });
    const customer = await newCustomer(acme.api, crashy.storefront);
    const res = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: crashy.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    expect(res.status).toBe(500);
    const [orphan] = (await acme.api("GET", `/v1/payments?customer=${customer}`)).body.data;
    expect(orphan).toMatchObject({ status: "pending", subscription: null });
    // Nothing happens before the settle delay; after it, the worker voids the charge.
    await ctx.services.worker.drain();
    expect((await acme.api("GET", `/v1/payments/${orphan.id}`)).body.status).toBe("pending");
    ctx.clock.advance(11 * 60_000);
    await ctx.services.worker.drain();
    expect((await acme.api("GET", `/v1/payments/${orphan.id}`)).body).toMatchObject({
      status: "refunded",
      failure_code: "abandoned",
      refunded_amount: 999,
    });
    const [charge] = await sandboxCharges(ctx, orphan.idempotency_key);
    expect(Number(charge!.refunded_amount)).toBe(999);
  });
});

describe("sandbox provider", () => {
  let ctx: TestContext;
  let pctx: ProviderContext;
  const sandbox = () => sandboxProvider(ctx.deps.db);
  const req = (key: string, paymentMethod = "pm_sandbox_ok", amount = 500) => ({
    idempotencyKey: key,
    amount,
    currency: "EUR",
    paymentMethod,
    customer: "cus_sandbox_test",
  });

  beforeAll(async () => {
    ctx = await createTestApp();
    const t = await createTestTenant(ctx, "sandboxed");
    pctx = { scope: t.scopes.development!, config: {}, credentials: async () => ({}) };
  });
  afterAll(() => ctx.close());

  it("answers each token as documented, and the same key with the same outcome", async () => {
    const s = sandbox();
    expect(await s.charge(pctx, req("k-ok"))).toMatchObject({ status: "succeeded" });
    expect(await s.charge(pctx, req("k-soft", "pm_sandbox_declined"))).toMatchObject({
      status: "soft_decline",
      code: "insufficient_funds",
      retry: { allowed: true },
    });
    expect(await s.charge(pctx, req("k-hard", "pm_sandbox_declined_hard"))).toMatchObject({
      status: "hard_decline",
      code: "stolen_card",
      retry: { allowed: false },
    });
    expect(await s.charge(pctx, req("k-timeout", "pm_sandbox_timeout"))).toMatchObject({
      status: "unknown",
      sent: true,
      reference: null,
    });
    expect(await s.retrieve(pctx, { idempotencyKey: "k-timeout", reference: null })).toMatchObject({
      status: "succeeded",
    });
    expect(await s.charge(pctx, req("k-then-1", "pm_sandbox_ok_then_decline"))).toMatchObject({ status: "succeeded" });
    expect(await s.charge(pctx, req("k-then-2", "pm_sandbox_ok_then_decline"))).toMatchObject({
      status: "soft_decline",
      code: "insufficient_funds",
    });
    // Replays: the first outcome, and no second charge.
    const first = await s.charge(pctx, req("k-ok"));
    expect(await s.charge(pctx, req("k-ok"))).toEqual(first);
    expect(await s.charge(pctx, req("k-then-1", "pm_sandbox_ok_then_decline"))).toMatchObject({ status: "succeeded" });
    const rows = await ctx.deps.db
      .selectFrom("sandbox_operations")
      .select("id")
      .where("idempotency_key", "=", "k-ok")
      .execute();
    expect(rows).toHaveLength(1);
    await expect(s.charge(pctx, req("k-ok", "pm_sandbox_ok", 501))).rejects.toThrow(/different parameters/);
    expect(await s.retrieve(pctx, { idempotencyKey: "never-sent", reference: null })).toMatchObject({
      status: "not_found",
      vendor: { code: "resource_missing" },
    });
  });

  it("authorizes, captures once, and refunds at most what was captured", async () => {
    const s = sandbox();
    const auth = await s.authorize(pctx, req("a-1", "pm_sandbox_ok", 800));
    expect(auth).toMatchObject({ status: "authorized" });
    const ref = (auth as { reference: string }).reference;
    expect(await s.capture(pctx, { idempotencyKey: "c-1", reference: ref, amount: 900 })).toMatchObject({
      code: "amount_too_large",
    });
    const captured = await s.capture(pctx, { idempotencyKey: "c-1", reference: ref });
    expect(captured).toMatchObject({ status: "succeeded", amount: 800 });
    expect(await s.capture(pctx, { idempotencyKey: "c-1", reference: ref })).toEqual(captured);
    expect(await s.capture(pctx, { idempotencyKey: "c-2", reference: ref })).toMatchObject({
      status: "refused",
      code: "charge_not_capturable",
    });
    expect(await s.refund(pctx, { idempotencyKey: "r-1", reference: ref, amount: 500, currency: "EUR" })).toMatchObject(
      { status: "succeeded" },
    );
    expect(await s.refund(pctx, { idempotencyKey: "r-1", reference: ref, amount: 500, currency: "EUR" })).toMatchObject(
      { status: "succeeded" },
    );
    expect(await s.refund(pctx, { idempotencyKey: "r-2", reference: ref, amount: 400, currency: "EUR" })).toMatchObject(
      { code: "amount_too_large" },
    );
    expect(await s.refund(pctx, { idempotencyKey: "r-3", reference: ref, amount: 300, currency: "EUR" })).toMatchObject(
      { status: "succeeded" },
    );
    const declined = await s.authorize(pctx, req("a-2", "pm_sandbox_declined"));
    expect(declined).toMatchObject({ status: "soft_decline" });
  });

  it("an outage is an `error` outcome, not a decline", async () => {
    expect(await sandbox().charge({ ...pctx, config: { simulate_outage: true } }, req("o-1"))).toMatchObject({
      status: "error",
      code: "simulated_outage",
    });
  });
});
