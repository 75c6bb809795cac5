import { canMove, INITIAL_STATUSES, type StatusChange, type SubscriptionStatus } from "@tessera/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, eventsOf, freezeAt, newCustomer, paymentsOf } from "../../../test/billing-setup.js";
import { type ApiClient, createTestApp, createTestTenant, type TestContext } from "../../../test/harness.js";
import { STATUS_EVENT_TYPES } from "./model.js";

/*
 * Random sequences of what merchants and time do to a subscription — subscribe, cancel (now or
 * at period end), resume, change plan (now or at period end), replace the payment method, retry,
 * and advance the test clock — must keep the books straight:
 *   - the status only ever moves along the state machine's table,
 *   - no period is charged twice (succeeded period charges per period ≤ 1), and every charge the
 *     provider made is a payment we recorded (and the other way round),
 *   - every status change in status_history has its event, at the same instant,
 *   - nothing answers 500.
 * Each run gets a tenant of its own, so its test clock moves only its subscription.
 */

const TOKENS = [
  "pm_sandbox_ok",
  "pm_sandbox_declined",
  "pm_sandbox_declined_hard",
  "pm_sandbox_timeout",
  "pm_sandbox_ok_then_decline",
];
const PRICES = ["monthly", "premium", "yearly", "cheap", "premiumYearly"] as const;

const op = fc.oneof(
  fc.record({ op: fc.constant("cancel" as const), atPeriodEnd: fc.boolean() }),
  fc.record({ op: fc.constant("resume" as const) }),
  fc.record({ op: fc.constant("change" as const), price: fc.constantFrom(...PRICES), now: fc.boolean() }),
  fc.record({ op: fc.constant("pm" as const), pm: fc.constantFrom(...TOKENS) }),
  fc.record({ op: fc.constant("retry" as const) }),
  fc.record({
    op: fc.constant("advance" as const),
    by: fc.constantFrom("PT20M", "P1D", "P2D", "P4D", "P8D", "P17D", "P1M", "P3M"),
  }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

const ALLOWED = new Set([200, 201, 400, 402, 409]);

describe("random operation sequences keep the books consistent", () => {
  let ctx: TestContext;
  let run = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  async function check(api: ApiClient, id: string) {
    const sub = (await api("GET", `/v1/subscriptions/${id}`)).body;
    const history: StatusChange[] = sub.status_history;
    // 1. The state machine was never left.
    expect(INITIAL_STATUSES).toContain(history[0]!.status);
    expect(history[0]!.reason).toBe("created");
    for (let i = 1; i < history.length; i++) {
      expect(canMove(history[i - 1]!.status, history[i]!.status), JSON.stringify(history)).toBe(true);
    }
    expect(history.at(-1)!.status).toBe(sub.status);

    // 2. No period charged twice; our payments and the provider's charges match one to one.
    const payments = await paymentsOf(api, id);
    const perPeriod = new Map<number, number>();
    for (const p of payments.filter(
      (p) => p.kind !== "proration" && (p.status === "succeeded" || p.status === "refunded"),
    )) {
      perPeriod.set(p.period_index, (perPeriod.get(p.period_index) ?? 0) + 1);
    }
    expect(
      [...perPeriod.values()].every((n) => n === 1),
      JSON.stringify(payments),
    ).toBe(true);
    const charges = await ctx.deps.db
      .selectFrom("sandbox_operations")
      .select(["idempotency_key", "status"])
      .where("operation", "=", "charge")
      .where("idempotency_key", "like", `${id}:%`)
      .execute();
    expect(new Set(charges.map((c) => c.idempotency_key)).size).toBe(charges.length);
    const byKey = new Map(payments.map((p) => [p.idempotency_key, p]));
    for (const charge of charges.filter((c) => c.status === "succeeded")) {
      expect(["succeeded", "refunded", "pending"], charge.idempotency_key).toContain(
        byKey.get(charge.idempotency_key)?.status,
      );
    }
    const charged = new Set(charges.filter((c) => c.status === "succeeded").map((c) => c.idempotency_key));
    for (const p of payments.filter((p) => p.status === "succeeded")) expect(charged.has(p.idempotency_key)).toBe(true);

    // 3. Every status change has its event, at its instant.
    const events = await eventsOf(api, id);
    for (const status of Object.keys(STATUS_EVENT_TYPES) as SubscriptionStatus[]) {
      const changes = history.filter((h) => h.status === status).map((h) => h.at);
      const announced = events
        .filter((e) => STATUS_EVENT_TYPES[status].includes(e.type) && e.data.object.status === status)
        .map((e) => e.created_at);
      expect(announced, `${status} events`).toEqual(changes);
    }
  }

  it("over subscribe, cancel, resume, change plan, payment method, retry and clock advances", {
    timeout: 600_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TOKENS),
        fc.boolean(),
        fc.array(op, { minLength: 1, maxLength: 10 }),
        async (pm, trial, ops: Op[]) => {
          const tenant = await createTestTenant(ctx, `prop-${++run}`);
          const api = tenant.api;
          await freezeAt(api, "2026-01-31T08:00:00.000Z");
          const cat = await billingCatalog(api, { retryDays: [1, 3] });
          const customer = await newCustomer(api, cat.storefront);
          const created = await api("POST", "/v1/subscriptions", {
            customer,
            price: trial ? cat.prices.trial : cat.prices.monthly,
            payment_method: pm,
          });
          expect([201, 402]).toContain(created.status);
          if (created.status === 402) return;
          const id: string = created.body.id;
          for (const o of ops) {
            const res =
              o.op === "advance"
                ? await api("POST", "/v1/test-clocks/advance", { by: o.by })
                : o.op === "cancel"
                  ? await api("POST", `/v1/subscriptions/${id}/cancel`, { at_period_end: o.atPeriodEnd })
                  : o.op === "resume"
                    ? await api("POST", `/v1/subscriptions/${id}/resume`)
                    : o.op === "change"
                      ? await api("POST", `/v1/subscriptions/${id}/change-plan`, {
                          price: cat.prices[o.price],
                          proration: o.now ? "now" : "period_end",
                        })
                      : o.op === "pm"
                        ? await api("POST", `/v1/subscriptions/${id}/payment-method`, { payment_method: o.pm })
                        : await api("POST", `/v1/subscriptions/${id}/retry`);
            expect(ALLOWED.has(res.status), `${JSON.stringify(o)} → ${res.status} ${JSON.stringify(res.body)}`).toBe(
              true,
            );
            if (o.op === "advance") expect(res.status).toBe(200);
          }
          await check(api, id);
          // Let every scheduled job that is due play out, and check again.
          expect((await api("POST", "/v1/test-clocks/advance", { by: "P2M" })).status).toBe(200);
          await check(api, id);
          // Nothing is left in flight or stuck failing.
          const stuck = await ctx.deps.db
            .selectFrom("jobs")
            .select(["type", "last_error"])
            .where("environment_id", "=", tenant.scopes.development!.environmentId)
            .where("status", "in", ["pending", "running", "dead"])
            .where("last_error", "is not", null)
            .execute();
          expect(stuck).toEqual([]);
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 30) },
    );
  });
});
