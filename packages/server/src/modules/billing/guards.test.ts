import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findJob, gatedSandbox, jobStatus, runJob } from "../../../test/billing-interleave.js";
import { billingCatalog, freezeAt, subscribe } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext } from "../../../test/harness.js";
import { periodEndJob } from "./schedule.js";

/*
 * Each guard of the charge path, alone, on both dialects (docs/lifecycle.md, "Guards and the tests
 * that hold them"). Two runs of the same work are interleaved deterministically: a provider call
 * held at a gate (test/billing-interleave.ts), a job run twice as two workers would (the second
 * took it over when the first one's lock expired), a call held forever as a process that died.
 * Every test asserts the money (our payments and the provider's own books), the subscription and
 * the events, exactly.
 */

const START = "2026-03-01T00:00:00.000Z";
const PERIOD_1_END = "2026-04-01T00:00:00.000Z";
const RENEWAL_DUE = "2026-04-01T12:00:00.000Z";

describe("money guards, each alone", () => {
  let ctx: TestContext;
  let gate: ReturnType<typeof gatedSandbox>;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
    gate = gatedSandbox(ctx.deps.db);
    ctx.services.payments.registry.register(gate.provider);
  });
  afterAll(() => ctx.close());

  async function world() {
    const tenant = await createTestTenant(ctx, `guards-${++n}`);
    await freezeAt(tenant.api, START);
    const cat = await billingCatalog(tenant.api, { providers: [{ name: gate.provider.name }] });
    const env = tenant.scopes.development!.environmentId;
    /** Moves the environment's clock without running anything: the test runs the jobs. */
    const clockTo = (at: string) => ctx.services.tenancy.setTestClock(env, at);
    return { tenant, api: tenant.api, cat, env, clockTo };
  }

  const db = () => ctx.deps.db;
  const sub = (id: string) =>
    db().selectFrom("subscriptions").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const paymentsOf = (id: string) =>
    db()
      .selectFrom("payments")
      .selectAll()
      .where("subscription_id", "=", id)
      .orderBy("period_index")
      .orderBy("attempt")
      .execute();
  /** The provider's books: every operation it performed under a key prefix. */
  const providerOps = (prefix: string) =>
    db()
      .selectFrom("sandbox_operations")
      .select(["idempotency_key", "operation", "status"])
      .where("idempotency_key", "like", `${prefix}%`)
      .orderBy("created_at")
      .orderBy("idempotency_key")
      .execute();
  const eventTypes = async (objectId: string) =>
    (
      await db()
        .selectFrom("events")
        .select("type")
        .where("object_id", "=", objectId)
        .orderBy("created_at")
        .orderBy("id")
        .execute()
    ).map((e) => e.type);
  const count = (list: string[], type: string) => list.filter((t) => t === type).length;

  it("two runs of one renewal that both read the subscription before either reserved charge it once (version CAS)", async () => {
    const { api, cat, clockTo } = await world();
    const s = await subscribe(api, cat, {});
    await clockTo(RENEWAL_DUE);
    const job = await findJob(ctx, "subscription.period_end", s.id);

    // B reads the subscription and waits before reserving until A has reserved and is charging.
    // (The storefront's routing is the first shared read a renewal makes after reading the row.)
    const aCharging = gate.hold("charge", "before");
    let bRead!: () => void;
    const bHasRead = new Promise<void>((r) => {
      bRead = r;
    });
    const memo = new Map<string, unknown>();
    const bShared = async <T>(key: string, load: () => Promise<T>): Promise<T> => {
      if (key.startsWith("routing:")) {
        bRead();
        await aCharging.reached;
      }
      if (!memo.has(key)) memo.set(key, await load());
      return memo.get(key) as T;
    };
    const b = runJob(ctx, job, "worker-b", { shared: bShared });
    await bHasRead;
    const a = runJob(ctx, job, "worker-a");
    await aCharging.reached;
    // B's reservation loses the compare-and-set, re-reads, finds A's attempt and finishes it.
    await b;
    expect(await jobStatus(ctx, job.id)).toBe("running"); // A holds the job now: B cannot complete it
    aCharging.release();
    await a;

    const row = await sub(s.id);
    expect(row).toMatchObject({ status: "active", period_index: 2, inflight_payment_id: null });
    const pays = await paymentsOf(s.id);
    expect(pays.map((p) => [p.period_index, p.attempt, p.status, p.idempotency_key])).toEqual([
      [1, 1, "succeeded", `${s.id}:p1:a1`],
      [2, 1, "succeeded", `${s.id}:p2:a1`],
    ]);
    expect(await providerOps(`${s.id}:p2:`)).toEqual([
      { idempotency_key: `${s.id}:p2:a1`, operation: "charge", status: "succeeded" },
    ]);
    const types = await eventTypes(s.id);
    expect(count(types, "subscription.renewed")).toBe(1);
    expect(await eventTypes(pays[1]!.id)).toEqual(["payment.succeeded"]);
  });

  it("a first charge whose answer arrives after the settle job gave the money back is not recorded as paid (payment status CAS)", async () => {
    const { api, cat } = await world();
    const customer = (await api("POST", "/v1/customers", { storefront: cat.storefront, external_id: "late-1" })).body
      .id as string;
    const answerLost = gate.hold("charge", "after");
    const request = api("POST", "/v1/subscriptions", {
      customer,
      price: cat.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    await answerLost.reached;
    const pending = await db()
      .selectFrom("payments")
      .selectAll()
      .where("customer_id", "=", customer)
      .executeTakeFirstOrThrow();
    expect(pending.status).toBe("pending");
    // The request looks dead: its settle job gives the money back.
    await runJob(ctx, await findJob(ctx, "payment.settle", pending.id), "worker-settle");
    answerLost.release();
    const res = await request;

    expect(res.status).toBe(409);
    expect(res.body.code).toBe("CONFLICT");
    const payment = await db()
      .selectFrom("payments")
      .selectAll()
      .where("customer_id", "=", customer)
      .executeTakeFirstOrThrow();
    expect(payment).toMatchObject({
      status: "refunded",
      failure_code: "abandoned",
      subscription_id: null,
    });
    expect(Number(payment.refunded_amount)).toBe(Number(payment.amount));
    expect(await providerOps(payment.idempotency_key)).toEqual([
      { idempotency_key: payment.idempotency_key, operation: "charge", status: "succeeded" },
      { idempotency_key: `${payment.idempotency_key}:void`, operation: "refund", status: "succeeded" },
    ]);
    expect(await eventTypes(payment.id)).toEqual(["payment.refunded"]);
    const subs = await db().selectFrom("subscriptions").select("id").where("customer_id", "=", customer).execute();
    expect(subs).toEqual([]);
  });

  // The settle job claims the payment (repo.ABANDONING) before it refunds at the provider, so a
  // request still alive when its settle job runs cannot record a success whose money went back.
  it("a first charge recorded while its settle job is giving it back is not both paid and refunded", async () => {
    const { api, cat } = await world();
    const customer = (await api("POST", "/v1/customers", { storefront: cat.storefront, external_id: "race-1" })).body
      .id as string;
    const answerLate = gate.hold("charge", "after");
    const request = api("POST", "/v1/subscriptions", {
      customer,
      price: cat.prices.monthly,
      payment_method: "pm_sandbox_ok",
    });
    await answerLate.reached;
    const pending = await db()
      .selectFrom("payments")
      .selectAll()
      .where("customer_id", "=", customer)
      .executeTakeFirstOrThrow();
    const lookup = gate.hold("retrieve", "before");
    const settle = runJob(ctx, await findJob(ctx, "payment.settle", pending.id), "worker-settle");
    await lookup.reached;
    answerLate.release();
    const res = await request;
    lookup.release();
    await settle;

    const payment = await db()
      .selectFrom("payments")
      .selectAll()
      .where("id", "=", pending.id)
      .executeTakeFirstOrThrow();
    const refunds = (await providerOps(pending.idempotency_key)).filter((o) => o.operation === "refund");
    // Either the request won (paid, active, nothing refunded) or the settle job did (refunded, 409).
    if (res.status === 201) {
      expect(payment.status).toBe("succeeded");
      expect(refunds).toEqual([]);
    } else {
      expect(res.status).toBe(409);
      expect(payment.status).toBe("refunded");
    }
  });

  it("a first charge whose request died before the provider got it is found failed by the settle job: nothing charged, nothing refunded", async () => {
    const { api, cat } = await world();
    const customer = (await api("POST", "/v1/customers", { storefront: cat.storefront, external_id: "dead-1" })).body
      .id as string;
    const died = gate.hold("charge", "before"); // never released: the request's process died there
    void api("POST", "/v1/subscriptions", { customer, price: cat.prices.monthly, payment_method: "pm_sandbox_ok" });
    await died.reached;
    const pending = await db()
      .selectFrom("payments")
      .selectAll()
      .where("customer_id", "=", customer)
      .executeTakeFirstOrThrow();
    expect(pending.status).toBe("pending");
    await runJob(ctx, await findJob(ctx, "payment.settle", pending.id), "worker-settle");

    const payment = await db()
      .selectFrom("payments")
      .selectAll()
      .where("id", "=", pending.id)
      .executeTakeFirstOrThrow();
    expect(payment).toMatchObject({ status: "failed", failure_code: "resource_missing", subscription_id: null });
    expect(Number(payment.refunded_amount)).toBe(0);
    expect(await providerOps(pending.idempotency_key)).toEqual([]);
    expect(await eventTypes(pending.id)).toEqual(["payment.failed"]);
    expect(await db().selectFrom("subscriptions").select("id").where("customer_id", "=", customer).execute()).toEqual(
      [],
    );
  });

  it("a renewal re-run after its worker died with the charge made resumes that attempt: charged once (in-flight marker, found succeeded)", async () => {
    const { api, cat, clockTo } = await world();
    const s = await subscribe(api, cat, {});
    await clockTo(RENEWAL_DUE);
    const job = await findJob(ctx, "subscription.period_end", s.id);
    const died = gate.hold("charge", "after"); // never released: the process died there
    void runJob(ctx, job, "worker-a");
    await died.reached;
    const atCrash = await sub(s.id);
    expect(atCrash.inflight_payment_id).not.toBeNull();
    expect(atCrash.period_index).toBe(1);
    // A's lock expired; B takes the job over.
    await runJob(ctx, job, "worker-b");

    expect(await jobStatus(ctx, job.id)).toBe("done");
    expect(await sub(s.id)).toMatchObject({
      status: "active",
      period_index: 2,
      inflight_payment_id: null,
      latest_payment_id: atCrash.inflight_payment_id,
      current_period_start: PERIOD_1_END,
    });
    const pays = await paymentsOf(s.id);
    expect(pays.map((p) => [p.id, p.period_index, p.attempt, p.status, p.idempotency_key])).toEqual([
      [pays[0]!.id, 1, 1, "succeeded", `${s.id}:p1:a1`],
      [atCrash.inflight_payment_id, 2, 1, "succeeded", `${s.id}:p2:a1`],
    ]);
    expect(await providerOps(`${s.id}:p2:`)).toEqual([
      { idempotency_key: `${s.id}:p2:a1`, operation: "charge", status: "succeeded" },
    ]);
    const types = await eventTypes(s.id);
    expect(types).toEqual(["subscription.created", "subscription.activated", "subscription.renewed"]);
    expect(await eventTypes(atCrash.inflight_payment_id!)).toEqual(["payment.succeeded"]);

    // Replaying the finished job, or enqueueing the next period end again, changes nothing.
    await runJob(ctx, job, "worker-c");
    const scope = (await ctx.services.tenancy.scopeForEnvironment(job.environment_id!))!;
    const after = await sub(s.id);
    await db()
      .transaction()
      .execute((tx) =>
        ctx.services.subscriptions.store.schedule(tx, scope, periodEndJob(s.id, 2, after.current_period_end)),
      );
    const next = await db()
      .selectFrom("jobs")
      .select("id")
      .where("type", "=", "subscription.period_end")
      .where("payload", "like", `%${s.id}%`)
      .where("status", "=", "pending")
      .execute();
    expect(next).toHaveLength(1);
    expect(await paymentsOf(s.id)).toHaveLength(2);
    expect(await providerOps(`${s.id}:`)).toHaveLength(2);
    expect(count(await eventTypes(s.id), "subscription.renewed")).toBe(1);
  });

  it("a renewal re-run after its worker died with the charge declined applies the decline once (found failed)", async () => {
    const { api, cat, clockTo } = await world();
    const s = await subscribe(api, cat, {});
    expect(
      (await api("POST", `/v1/subscriptions/${s.id}/payment-method`, { payment_method: "pm_sandbox_declined" })).status,
    ).toBe(200);
    await clockTo(RENEWAL_DUE);
    const job = await findJob(ctx, "subscription.period_end", s.id);
    const died = gate.hold("charge", "after");
    void runJob(ctx, job, "worker-a");
    await died.reached;
    const atCrash = await sub(s.id);
    expect(atCrash.inflight_payment_id).not.toBeNull();
    await runJob(ctx, job, "worker-b");

    expect(await jobStatus(ctx, job.id)).toBe("done");
    expect(await sub(s.id)).toMatchObject({
      status: "grace",
      period_index: 2,
      inflight_payment_id: null,
      unpaid_payment_id: atCrash.inflight_payment_id,
      dunning_step: 0,
      next_retry_at: "2026-04-02T12:00:00.000Z",
    });
    const pays = await paymentsOf(s.id);
    expect(pays.map((p) => [p.period_index, p.attempt, p.status, p.failure_code])).toEqual([
      [1, 1, "succeeded", null],
      [2, 1, "failed", "insufficient_funds"],
    ]);
    expect(await providerOps(`${s.id}:p2:`)).toEqual([
      { idempotency_key: `${s.id}:p2:a1`, operation: "charge", status: "failed" },
    ]);
    expect(await eventTypes(s.id)).toEqual([
      "subscription.created",
      "subscription.activated",
      "subscription.payment_method_updated",
      "subscription.grace_started",
    ]);
    expect(await eventTypes(atCrash.inflight_payment_id!)).toEqual(["payment.failed"]);
    const dunning = await db()
      .selectFrom("jobs")
      .select("id")
      .where("type", "=", "subscription.dunning")
      .where("payload", "like", `%${s.id}%`)
      .execute();
    expect(dunning).toHaveLength(1);
  });

  it("a dunning retry re-run after its worker died with the charge made resumes that attempt: recovered once", async () => {
    const { api, cat, clockTo } = await world();
    const s = await subscribe(api, cat, { payment_method: "pm_sandbox_ok_then_decline" });
    await clockTo(RENEWAL_DUE);
    await runJob(ctx, await findJob(ctx, "subscription.period_end", s.id), "worker-a");
    const grace = await sub(s.id);
    expect(grace).toMatchObject({ status: "grace", dunning_step: 0 });
    expect(
      (await api("POST", `/v1/subscriptions/${s.id}/payment-method`, { payment_method: "pm_sandbox_ok" })).status,
    ).toBe(200);
    await clockTo(grace.next_retry_at!);
    const job = await findJob(ctx, "subscription.dunning", s.id);
    const died = gate.hold("charge", "after");
    void runJob(ctx, job, "worker-a");
    await died.reached;
    const atCrash = await sub(s.id);
    expect(atCrash).toMatchObject({ status: "grace" });
    expect(atCrash.inflight_payment_id).not.toBeNull();
    await runJob(ctx, job, "worker-b");

    expect(await jobStatus(ctx, job.id)).toBe("done");
    expect(await sub(s.id)).toMatchObject({
      status: "active",
      period_index: 2,
      inflight_payment_id: null,
      unpaid_payment_id: null,
      dunning_step: null,
      next_retry_at: null,
    });
    const pays = await paymentsOf(s.id);
    expect(pays.map((p) => [p.period_index, p.attempt, p.status, p.idempotency_key])).toEqual([
      [1, 1, "succeeded", `${s.id}:p1:a1`],
      [2, 1, "failed", `${s.id}:p2:a1`],
      [2, 2, "succeeded", `${s.id}:p2:a2`],
    ]);
    expect(await providerOps(`${s.id}:p2:`)).toEqual([
      { idempotency_key: `${s.id}:p2:a1`, operation: "charge", status: "failed" },
      { idempotency_key: `${s.id}:p2:a2`, operation: "charge", status: "succeeded" },
    ]);
    expect(await eventTypes(s.id)).toEqual([
      "subscription.created",
      "subscription.activated",
      "subscription.grace_started",
      "subscription.payment_method_updated",
      "subscription.recovered",
    ]);
    expect(await eventTypes(pays[2]!.id)).toEqual(["payment.succeeded"]);
  });

  it("a dunning step that already ran, replayed, charges nothing (a dunning job re-reads its step)", async () => {
    const { api, cat, clockTo } = await world();
    const s = await subscribe(api, cat, { payment_method: "pm_sandbox_ok_then_decline" });
    await clockTo(RENEWAL_DUE);
    await runJob(ctx, await findJob(ctx, "subscription.period_end", s.id), "worker-a");
    const grace = await sub(s.id);
    await clockTo(grace.next_retry_at!);
    const step0 = await findJob(ctx, "subscription.dunning", s.id);
    await runJob(ctx, step0, "worker-a");
    expect(await sub(s.id)).toMatchObject({ status: "grace", dunning_step: 1 });
    await runJob(ctx, step0, "worker-b");

    expect(await sub(s.id)).toMatchObject({ status: "grace", dunning_step: 1, inflight_payment_id: null });
    expect((await paymentsOf(s.id)).map((p) => [p.period_index, p.attempt, p.status])).toEqual([
      [1, 1, "succeeded"],
      [2, 1, "failed"],
      [2, 2, "failed"],
    ]);
    expect(await providerOps(`${s.id}:p2:`)).toHaveLength(2);
  });

  it("while a renewal's charge is in flight, an API change answers 409 and the renewal still applies (in-flight marker)", async () => {
    const { api, cat, clockTo } = await world();
    const s = await subscribe(api, cat, {});
    await clockTo(RENEWAL_DUE);
    const job = await findJob(ctx, "subscription.period_end", s.id);
    const slow = gate.hold("charge", "after");
    const a = runJob(ctx, job, "worker-a");
    await slow.reached;
    const cancel = await api("POST", `/v1/subscriptions/${s.id}/cancel`, { at_period_end: false });
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe("CONFLICT");
    slow.release();
    await a;

    expect(await jobStatus(ctx, job.id)).toBe("done");
    expect(await sub(s.id)).toMatchObject({ status: "active", period_index: 2, inflight_payment_id: null });
    expect((await paymentsOf(s.id)).map((p) => p.status)).toEqual(["succeeded", "succeeded"]);
    expect(await providerOps(`${s.id}:p2:`)).toHaveLength(1);
    expect(await eventTypes(s.id)).toEqual(["subscription.created", "subscription.activated", "subscription.renewed"]);
  });

  it("a renewal marks its job done in the transaction that applies it (a worker dying right after leaves nothing to re-run)", async () => {
    const { api, cat, clockTo } = await world();
    const s = await subscribe(api, cat, {});
    await clockTo(RENEWAL_DUE);
    const job = await findJob(ctx, "subscription.period_end", s.id);
    // runJob never marks the job done itself: only the handler's own transaction can.
    await runJob(ctx, job, "worker-a");
    expect(await jobStatus(ctx, job.id)).toBe("done");
    expect(await sub(s.id)).toMatchObject({ status: "active", period_index: 2 });
  });

  it("the settle job of an API charge that completed leaves a later charge in flight alone (settle job owner check)", async () => {
    const { api, cat, clockTo } = await world();
    const s = await subscribe(api, cat, {});
    await clockTo("2026-03-16T00:00:00.000Z");
    const upgrade = await api("POST", `/v1/subscriptions/${s.id}/change-plan`, {
      price: cat.prices.premium,
      proration: "now",
    });
    expect(upgrade.status).toBe(200);
    const proration = (await paymentsOf(s.id)).find((p) => p.kind === "proration")!;
    expect(proration.status).toBe("succeeded");
    await clockTo(RENEWAL_DUE);
    const job = await findJob(ctx, "subscription.period_end", s.id);
    const slow = gate.hold("charge", "after");
    const a = runJob(ctx, job, "worker-a");
    await slow.reached;
    const inFlight = (await sub(s.id)).inflight_payment_id;
    expect(inFlight).not.toBeNull();
    // The proration's request completed long ago; its settle job comes due now, mid-renewal.
    await runJob(ctx, await findJob(ctx, "payment.settle", proration.id), "worker-settle");
    expect((await sub(s.id)).inflight_payment_id).toBe(inFlight);
    slow.release();
    await a;

    expect(await jobStatus(ctx, job.id)).toBe("done");
    expect(await sub(s.id)).toMatchObject({ status: "active", period_index: 2, inflight_payment_id: null });
    const pays = await paymentsOf(s.id);
    expect(pays.map((p) => [p.period_index, p.kind, p.status])).toEqual([
      [1, "subscription_create", "succeeded"],
      [1, "proration", "succeeded"],
      [2, "renewal", "succeeded"],
    ]);
    expect((await providerOps(`${s.id}:`)).map((o) => o.operation)).toEqual(["charge", "charge", "charge"]);
    expect(count(await eventTypes(s.id), "subscription.renewed")).toBe(1);
  });

  it("two refunds of the same payment from the same refunded total refund and record it once (refund CAS)", async () => {
    const { api, cat } = await world();
    const s = await subscribe(api, cat, {});
    const [payment] = await paymentsOf(s.id);
    const slow = gate.hold("refund", "after");
    const first = api("POST", `/v1/payments/${payment!.id}/refund`, { amount: 300 });
    await slow.reached;
    const second = await api("POST", `/v1/payments/${payment!.id}/refund`, { amount: 300 });
    slow.release();
    const late = await first;
    expect([late.status, second.status]).toEqual([200, 200]);
    const after = await db().selectFrom("payments").selectAll().where("id", "=", payment!.id).executeTakeFirstOrThrow();
    expect(after.status).toBe("succeeded");
    expect(Number(after.refunded_amount)).toBe(300);
    expect((await providerOps(payment!.idempotency_key)).map((o) => o.operation)).toEqual(["charge", "refund"]);
    expect(await eventTypes(payment!.id)).toEqual(["payment.succeeded", "payment.refunded"]);
  });

  it("a pending payment's outcome that arrives after the subscription was moved is applied to the fresh row (stale write)", async () => {
    const { api, cat, clockTo } = await world();
    const s = await subscribe(api, cat, {});
    expect(
      (await api("POST", `/v1/subscriptions/${s.id}/payment-method`, { payment_method: "pm_sandbox_timeout" })).status,
    ).toBe(200);
    await clockTo(RENEWAL_DUE);
    await runJob(ctx, await findJob(ctx, "subscription.period_end", s.id), "worker-a");
    const onCredit = await sub(s.id);
    expect(onCredit).toMatchObject({ status: "active", period_index: 2, inflight_payment_id: null });
    expect(onCredit.payment_check_at).not.toBeNull();
    const pending = (await paymentsOf(s.id))[1]!;
    expect(pending.status).toBe("pending");

    await clockTo(onCredit.payment_check_at!);
    const check = await findJob(ctx, "payment.check", pending.id);
    const asking = gate.hold("retrieve", "before");
    const a = runJob(ctx, check, "worker-a");
    await asking.reached;
    // Meanwhile the customer cancels: the check's read of the subscription is now stale.
    const cancel = await api("POST", `/v1/subscriptions/${s.id}/cancel`, { at_period_end: false });
    expect(cancel.status).toBe(200);
    asking.release();
    await a;

    expect(await sub(s.id)).toMatchObject({ status: "cancelled", payment_check_at: null, inflight_payment_id: null });
    const pays = await paymentsOf(s.id);
    expect(pays.map((p) => [p.period_index, p.status])).toEqual([
      [1, "succeeded"],
      [2, "succeeded"],
    ]);
    expect(await providerOps(`${s.id}:p2:`)).toHaveLength(1);
    expect(await eventTypes(pending.id)).toEqual(["payment.pending", "payment.succeeded"]);
    expect(await eventTypes(s.id)).toEqual([
      "subscription.created",
      "subscription.activated",
      "subscription.payment_method_updated",
      "subscription.renewed",
      "subscription.cancelled",
    ]);
  });
});
