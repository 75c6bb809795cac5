import type { SubscriptionStatus } from "@tessera/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, dialect, type TestContext, type TestTenant } from "../../../test/harness.js";
import { type MemoryWire, memoryChannel, signMemory } from "../../../test/memory-channel.js";

/*
 * A vendor's notifications, delivered in any order, some twice, some in batches, applied by the
 * job or at once, before or after the product is mapped or the customer linked, end in the state
 * the vendor itself holds: its status, its auto-renew flag, its stated period, and the customer's
 * access. The expected state comes from a model of the vendor written here, not from the server.
 */

const SECRET = "convergence-secret";
const settings = { config: {}, credentials: { secret: SECRET } };

type Action =
  | "renew"
  | "grace"
  | "on_hold"
  | "pause"
  | "expire"
  | "refund"
  | "revoke"
  | "resubscribe"
  | "auto_off"
  | "auto_on"
  | "notice";
const ACTIONS: Action[] = [
  "renew",
  "grace",
  "on_hold",
  "pause",
  "expire",
  "refund",
  "revoke",
  "resubscribe",
  "auto_off",
  "auto_on",
  "notice",
];

// The vendor's own model: what it holds after each action (its word is the expected state).
const VENDOR_STATUS: Partial<Record<Action, SubscriptionStatus>> = {
  renew: "active",
  grace: "grace",
  on_hold: "suspended",
  pause: "suspended",
  expire: "expired",
  refund: "cancelled",
  revoke: "cancelled",
  resubscribe: "active",
};
const WIRE: Record<Action, { type: string; subtype?: string; period?: boolean }> = {
  renew: { type: "DID_RENEW", period: true },
  grace: { type: "DID_FAIL_TO_RENEW", subtype: "GRACE_PERIOD" },
  on_hold: { type: "DID_FAIL_TO_RENEW" },
  pause: { type: "PAUSED" },
  expire: { type: "EXPIRED" },
  refund: { type: "REFUND" },
  revoke: { type: "REVOKE" },
  resubscribe: { type: "SUBSCRIBED", subtype: "RESUBSCRIBE", period: true },
  auto_off: { type: "RENEWAL_STATUS", subtype: "AUTO_RENEW_DISABLED" },
  auto_on: { type: "RENEWAL_STATUS", subtype: "AUTO_RENEW_ENABLED" },
  notice: { type: "PRICE_INCREASE_NOTICE" },
};

const DAY = 86_400_000;

interface Timeline {
  wire: MemoryWire[];
  status: SubscriptionStatus;
  cancelAtPeriodEnd: boolean;
  periodEnd: string;
}

/** The vendor plays its script; every step is one notification, stamped with the vendor's time. */
function play(
  run: number,
  trial: boolean,
  steps: Array<{ action: Action; sameInstant: boolean }>,
  hint: string | undefined,
): Timeline {
  const t0 = Date.parse("2026-04-01T09:00:00.000Z");
  const vendorSub = `v-${run}`;
  const period = (at: number) => ({ start: new Date(at).toISOString(), end: new Date(at + 30 * DAY).toISOString() });
  let status: SubscriptionStatus = trial ? "trial" : "active";
  let cancelAtPeriodEnd = false;
  let periodEnd = period(t0).end;
  const wire: MemoryWire[] = [
    {
      id: `${vendorSub}-0`,
      subscription: vendorSub,
      at: new Date(t0).toISOString(),
      type: "SUBSCRIBED",
      subtype: trial ? "TRIAL" : "INITIAL_BUY",
      product: `prod-${run}`,
      ...(hint ? { customer: hint } : {}),
      period: period(t0),
    },
  ];
  let at = t0;
  let seq = 0;
  steps.forEach(({ action, sameInstant }, i) => {
    if (sameInstant) seq++;
    else {
      at += DAY * (1 + (i % 3));
      seq = 0;
    }
    const w = WIRE[action];
    wire.push({
      id: `${vendorSub}-${i + 1}`,
      subscription: vendorSub,
      at: new Date(at).toISOString(),
      seq,
      type: w.type,
      ...(w.subtype ? { subtype: w.subtype } : {}),
      ...(w.period ? { period: period(at) } : {}),
    });
    const next = VENDOR_STATUS[action];
    if (next) status = next;
    if (action === "auto_off") cancelAtPeriodEnd = true;
    if (action === "auto_on" || action === "resubscribe") cancelAtPeriodEnd = false;
    if (w.period) periodEnd = period(at).end;
  });
  return { wire, status, cancelAtPeriodEnd, periodEnd };
}

describe(`vendor notifications converge on the vendor's state (${dialect})`, () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let run = 0;

  beforeAll(async () => {
    ctx = await createTestApp({}, { channels: [memoryChannel("telecom")] });
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    const patched = await acme.api("PATCH", `/v1/storefronts/${cat.storefront}`, { channels: ["direct", "telecom"] });
    expect(patched.status).toBe(200);
  });
  afterAll(() => ctx.close());

  it("whatever the order, duplication, batching and timing of delivery", { timeout: 120_000 }, async () => {
    const scope = () => acme.scopes.development!;
    const channels = () => ctx.services.channels;
    const drain = () => ctx.services.worker.drain({ environmentId: scope().environmentId });

    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.record({ action: fc.constantFrom(...ACTIONS), sameInstant: fc.boolean() }), { maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 9, maxLength: 9 }),
        fc.array(fc.nat({ max: 8 }), { maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }),
        fc.constantFrom("jobs", "immediate", "late-product", "link-later"),
        async (trial, steps, order, duplicates, batchWithNext, mode) => {
          const n = ++run;
          const externalId = `carrier-user-${n}`;
          const customer = await acme.api("POST", "/v1/customers", {
            storefront: cat.storefront,
            external_id: externalId,
          });
          expect(customer.status).toBe(201);
          const vendor = play(n, trial, steps, mode === "link-later" ? undefined : externalId);
          if (mode !== "late-product") {
            await channels().mapProduct(scope(), {
              channel: "telecom",
              storefrontId: cat.storefront,
              vendorProductId: `prod-${n}`,
              priceId: cat.prices.monthly,
            });
          }

          // Arrival: a permutation of every notification, plus some delivered again.
          const arrival = vendor.wire
            .map((w, i) => ({ w, key: order[i] ?? i }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.w);
          for (const d of duplicates)
            if (vendor.wire[d % vendor.wire.length]) arrival.push(vendor.wire[d % vendor.wire.length]!);
          for (let i = 0; i < arrival.length; ) {
            const batch = batchWithNext[i % batchWithNext.length] ? arrival.slice(i, i + 2) : arrival.slice(i, i + 1);
            i += batch.length;
            const received = await channels().receive(scope(), {
              channel: "telecom",
              storefrontId: cat.storefront,
              request: signMemory(SECRET, batch),
              settings,
            });
            expect(received.verified).toBe(true);
            if (mode === "immediate") for (const r of received.notifications) await channels().apply(scope(), r.id);
          }
          await drain();
          if (mode === "late-product") {
            const { retried } = await channels().mapProduct(scope(), {
              channel: "telecom",
              storefrontId: cat.storefront,
              vendorProductId: `prod-${n}`,
              priceId: cat.prices.monthly,
            });
            expect(retried).toBeGreaterThan(0);
            await drain();
          }
          if (mode === "link-later") {
            const { retried } = await channels().link(scope(), {
              channel: "telecom",
              storefrontId: cat.storefront,
              vendorSubscriptionId: `v-${n}`,
              customerId: customer.body.id,
            });
            expect(retried).toBeGreaterThan(0);
            await drain();
          }

          const subs = (await acme.api("GET", `/v1/subscriptions?customer=${customer.body.id}`)).body.data;
          expect(subs).toHaveLength(1);
          const sub = subs[0];
          const seen = JSON.stringify({
            mode,
            vendor: vendor.wire.map((w) => `${w.at}#${w.seq ?? 0} ${w.type}/${w.subtype ?? ""}`),
            arrival: arrival.map((w) => w.id),
          });
          expect(
            {
              status: sub.status,
              cancel_at_period_end: sub.cancel_at_period_end,
              current_period_end: sub.current_period_end,
            },
            seen,
          ).toEqual({
            status: vendor.status,
            cancel_at_period_end: vendor.cancelAtPeriodEnd,
            current_period_end: vendor.periodEnd,
          });
          expect(sub).toMatchObject({ channel: "telecom", payment_method: null, latest_payment: null });
          expect(sub.status_history.at(-1).status).toBe(sub.status);

          // Access follows the vendor's status at once (a refund or revoke removes it).
          const ent = (await acme.api("GET", `/v1/customers/${customer.body.id}/entitlements`)).body;
          const granting = ["trial", "active", "grace"].includes(vendor.status);
          expect(ent.subscriptions.map((s: { id: string }) => s.id)).toEqual(granting ? [sub.id] : []);

          // The inbox keeps each notification once, every one settled, all listed for the subscription.
          const inbox = await channels().listNotifications(scope(), sub.id);
          expect(inbox.map((r) => r.vendor_event_id).sort()).toEqual(vendor.wire.map((w) => w.id).sort());
          for (const r of inbox)
            expect(["applied", "superseded", "ignored"], `${r.vendor_event_id}: ${r.detail}`).toContain(r.status);
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? (dialect === "sqlite" ? 60 : 20)) },
    );
  });
});
