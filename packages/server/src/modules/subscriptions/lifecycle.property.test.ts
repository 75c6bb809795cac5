import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, eventsOf, freezeAt, paymentsOf } from "../../../test/billing-setup.js";
import type { Json } from "../../../test/harness.js";
import { type ApiClient, createTestApp, createTestTenant, dialect, type TestContext } from "../../../test/harness.js";

/*
 * Random sequences of what merchants and time do to a subscription — cancel (now or at period
 * end), resume, change plan (now or at period end), replace the payment method, retry, advance
 * the test clock — checked against a model written here, not against core's table:
 *   - every answer is the one the model predicts from the state before the request (a 409 where
 *     the model refuses, a 200 where it allows; a 400 or 402 only where the model predicts that
 *     refusal or that decline — never counted as a success),
 *   - every status change in status_history is a row of the model's own table, under its reason,
 *   - no period is charged twice, and the provider's charges and our payments match one to one,
 *   - every status change has its event, at the same instant; nothing answers 500.
 * No run is skipped: the first charge uses a token that pays (declines come later through the
 * payment-method operation); a declined first charge is checked on its own below.
 *
 * Runs share one environment (its test clock only moves forward); each ends by cancelling its
 * subscription so it stops renewing. Postgres runs fewer: the decisions are the same code, and
 * the dialect-specific parts (compare-and-set, job claims) are hit within the first runs.
 */

type Status = "trial" | "active" | "grace" | "suspended" | "cancelled" | "expired";
type Cause = "paid" | "declined" | "exhausted" | "cancel" | "term_end";

// DESIGN §1 as this test reads it: from → cause → to. Nothing else may appear in a history.
const MODEL: Record<Status, Partial<Record<Cause, Status>>> = {
  trial: { paid: "active", declined: "grace", cancel: "cancelled" },
  active: { declined: "grace", cancel: "cancelled", term_end: "expired" },
  grace: { paid: "active", exhausted: "suspended", cancel: "cancelled" },
  suspended: { paid: "active", cancel: "cancelled" },
  cancelled: {},
  expired: {},
};
// The reasons the server writes into status_history, read as the model's causes.
const CAUSE: Record<string, Cause> = {
  trial_paid: "paid",
  payment_failed: "declined",
  retry_succeeded: "paid",
  payment_resolved: "paid",
  retries_exhausted: "exhausted",
  cancel: "cancel",
  cancel_at_period_end: "cancel",
  term_ended: "term_end",
};
const STATUS_EVENTS: Record<Status, string[]> = {
  trial: ["subscription.trial_started"],
  active: ["subscription.activated", "subscription.recovered"],
  grace: ["subscription.grace_started"],
  suspended: ["subscription.suspended"],
  cancelled: ["subscription.cancelled"],
  expired: ["subscription.expired"],
};

const PAYING = ["pm_sandbox_ok", "pm_sandbox_timeout", "pm_sandbox_ok_then_decline"];
const TOKENS = [...PAYING, "pm_sandbox_declined", "pm_sandbox_declined_hard"];
const PRICES = ["monthly", "premium", "yearly", "cheap", "premiumYearly"] as const;
type PriceName = (typeof PRICES)[number] | "trial";
const AMOUNT: Record<PriceName, { amount: number; days: number }> = {
  trial: { amount: 999, days: 30 },
  monthly: { amount: 999, days: 30 },
  premium: { amount: 1999, days: 30 },
  cheap: { amount: 499, days: 30 },
  yearly: { amount: 9990, days: 365 },
  premiumYearly: { amount: 19990, days: 365 },
};

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

// What a charge with the current token can answer: the sandbox's documented behaviour.
function chargeOutcomes(pm: string): number[] {
  if (pm === "pm_sandbox_declined" || pm === "pm_sandbox_declined_hard") return [402];
  if (pm === "pm_sandbox_ok_then_decline") return [200, 402];
  return [200];
}

/** The answers the model allows for `o` on the subscription as it was just read. */
function expected(
  o: Op,
  sub: Json,
  priceName: (id: string) => PriceName | undefined,
): { statuses: number[]; path?: string } {
  const s = sub.status as Status;
  const live = s !== "cancelled" && s !== "expired";
  const early = s === "trial" || s === "active";
  switch (o.op) {
    case "advance":
      return { statuses: [200] };
    case "cancel":
      if (!o.atPeriodEnd) return { statuses: MODEL[s].cancel ? [200] : [409] };
      return { statuses: early ? [200] : [409] };
    case "resume":
      return { statuses: early && sub.cancel_at_period_end ? [200] : [409] };
    case "pm":
      return { statuses: live ? [200] : [409] };
    case "retry":
      return { statuses: s === "grace" || s === "suspended" ? chargeOutcomes(sub.payment_method) : [409] };
    case "change": {
      if (!early) return { statuses: [409] };
      const current = priceName(sub.price);
      if (current === o.price) {
        // Same price: undoes a scheduled change, else "already on this price".
        return o.now || !sub.pending_plan_change ? { statuses: [400], path: "price" } : { statuses: [200] };
      }
      if (!o.now || s === "trial") return { statuses: [200] };
      const a = AMOUNT[current!];
      const b = AMOUNT[o.price];
      if (a.days === b.days) {
        // Same cycle: the rest of the period at the new price minus the credit for the old one.
        if (b.amount < a.amount) return { statuses: [400], path: "proration" };
        // Same amount (the trial price and monthly): nothing is owed, so nothing is charged.
        if (b.amount === a.amount) return { statuses: [200] };
        return { statuses: chargeOutcomes(sub.payment_method) };
      }
      // Across cycles the proration depends on the instant; any of these is a correct answer.
      return { statuses: [...new Set([400, ...chargeOutcomes(sub.payment_method), 200])], path: "proration" };
    }
  }
}

describe(`random operation sequences follow the model (${dialect})`, () => {
  let ctx: TestContext;
  let api: ApiClient;
  let cat: BillingCatalog;
  let environmentId: string;
  let counter = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
    const tenant = await createTestTenant(ctx, "lifecycle");
    api = tenant.api;
    environmentId = tenant.scopes.development!.environmentId;
    await freezeAt(api, "2026-01-31T08:00:00.000Z");
    cat = await billingCatalog(api, { retryDays: [1, 3] });
  });
  afterAll(() => ctx.close());

  const priceName = (id: string) => ([...PRICES, "trial"] as const).find((p) => cat.prices[p] === id);

  async function newCustomer(): Promise<string> {
    const res = await api("POST", "/v1/customers", { storefront: cat.storefront, external_id: `lc-${++counter}` });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function check(id: string) {
    const sub = (await api("GET", `/v1/subscriptions/${id}`)).body;
    const history: Array<{ status: Status; at: string; reason: string }> = sub.status_history;
    expect(["trial", "active"]).toContain(history[0]!.status);
    expect(history[0]!.reason).toBe("created");
    for (let i = 1; i < history.length; i++) {
      const from = history[i - 1]!.status;
      const cause = CAUSE[history[i]!.reason.split(":")[0]!];
      expect(cause && MODEL[from][cause], `${from} --${history[i]!.reason}--> ${history[i]!.status}`).toBe(
        history[i]!.status,
      );
    }
    expect(history.at(-1)!.status).toBe(sub.status);

    const payments = await paymentsOf(api, id);
    const perPeriod = new Map<number, number>();
    for (const p of payments.filter((p) => p.kind !== "proration" && ["succeeded", "refunded"].includes(p.status))) {
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

    const events = await eventsOf(api, id);
    for (const status of Object.keys(STATUS_EVENTS) as Status[]) {
      const changes = history.filter((h) => h.status === status).map((h) => h.at);
      const announced = events
        .filter((e) => STATUS_EVENTS[status].includes(e.type) && e.data.object.status === status)
        .map((e) => e.created_at);
      expect(announced, `${status} events`).toEqual(changes);
    }
    return sub;
  }

  it("a declined first charge answers 402 and creates nothing", async () => {
    for (const pm of ["pm_sandbox_declined", "pm_sandbox_declined_hard"]) {
      const customer = await newCustomer();
      const res = await api("POST", "/v1/subscriptions", { customer, price: cat.prices.monthly, payment_method: pm });
      expect(res.status).toBe(402);
      expect(res.body.code).toBe("PAYMENT_FAILED");
      expect((await api("GET", `/v1/subscriptions?customer=${customer}`)).body.data).toEqual([]);
    }
  });

  it("over cancel, resume, change plan, payment method, retry and clock advances", { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PAYING),
        fc.boolean(),
        fc.array(op, { minLength: 1, maxLength: 8 }),
        async (pm, trial, ops: Op[]) => {
          const customer = await newCustomer();
          const created = await api("POST", "/v1/subscriptions", {
            customer,
            price: trial ? cat.prices.trial : cat.prices.monthly,
            payment_method: pm,
          });
          expect(created.status, JSON.stringify(created.body)).toBe(201);
          expect(created.body.status).toBe(trial ? "trial" : "active");
          const id: string = created.body.id;
          for (const o of ops) {
            const before = (await api("GET", `/v1/subscriptions/${id}`)).body;
            const want = expected(o, before, priceName);
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
            const seen = `${before.status} ${JSON.stringify(o)} → ${res.status} ${JSON.stringify(res.body)}`;
            // A payment still settling (timeout token) makes the model's answer wait: 409 CONFLICT.
            const settling =
              res.status === 409 && res.body.code === "CONFLICT" && before.latest_payment?.status === "pending";
            expect(want.statuses.includes(res.status) || settling, seen).toBe(true);
            if (res.status === 400)
              expect(
                res.body.errors.map((e: { path: string }) => e.path),
                seen,
              ).toContain(want.path);
            if (res.status === 409 && !settling) expect(res.body.code, seen).toBe("INVALID_STATE_TRANSITION");
            if (res.status === 200 && o.op === "cancel") {
              expect(res.body.status, seen).toBe(o.atPeriodEnd ? before.status : "cancelled");
              expect(res.body.cancel_at_period_end || !o.atPeriodEnd, seen).toBe(true);
            }
            // A retry paid recovers the subscription; one whose outcome is not known yet (the timeout
            // token) pauses dunning where it is until the check tells (billing/outcomes.ts).
            if (res.status === 200 && o.op === "retry")
              expect(res.body.status, seen).toBe(
                res.body.latest_payment?.status === "pending" ? before.status : "active",
              );
            if (res.status === 402)
              expect((await api("GET", `/v1/subscriptions/${id}`)).body.status, seen).toBe(before.status);
          }
          await check(id);
          // Every scheduled job that is due plays out, and the books still hold.
          expect((await api("POST", "/v1/test-clocks/advance", { by: "P2M" })).status).toBe(200);
          const sub = await check(id);
          const stuck = await ctx.deps.db
            .selectFrom("jobs")
            .select(["type", "last_error"])
            .where("environment_id", "=", environmentId)
            .where("status", "in", ["pending", "running", "dead"])
            .where("last_error", "is not", null)
            .execute();
          expect(stuck).toEqual([]);
          // Ends the run's subscription so the shared clock's next advances do not renew it.
          if (sub.status !== "cancelled" && sub.status !== "expired") {
            const end = await api("POST", `/v1/subscriptions/${id}/cancel`, { at_period_end: false });
            expect(end.status, JSON.stringify(end.body)).toBe(200);
          }
        },
      ),
      {
        numRuns: Number(process.env.PROPERTY_RUNS ?? (dialect === "sqlite" ? 300 : 40)),
        // A fixed seed in CI, so a run is repeatable; PROPERTY_SEED=random (or a number) explores.
        // Seed 595619176 once found the model wrong (a same-amount change "now" owes 0 and charges nothing).
        ...(process.env.PROPERTY_SEED === "random" ? {} : { seed: Number(process.env.PROPERTY_SEED ?? 20261203) }),
      },
    );
  });
});
