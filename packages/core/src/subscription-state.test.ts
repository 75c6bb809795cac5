import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canMove,
  DIRECT_EVENTS,
  EXTERNAL_EVENTS,
  grantsEntitlements,
  isExternalEvent,
  isTerminal,
  SUBSCRIPTION_EVENTS,
  SUBSCRIPTION_STATUSES,
  type SubscriptionEvent,
  type SubscriptionStatus,
  transition,
} from "./subscription-state.js";

// DESIGN §1 (and docs/lifecycle.md), written out again by hand so a change to the table in code
// has to be made twice. One row per allowed (from, event) pair; every other pair is refused.
const ALL: SubscriptionStatus[] = ["trial", "active", "grace", "suspended", "cancelled", "expired"];
const EXPECTED: ReadonlyArray<readonly [SubscriptionStatus, SubscriptionEvent, SubscriptionStatus]> = [
  ["trial", "trial_paid", "active"],
  ["trial", "payment_failed", "grace"],
  ["trial", "cancel", "cancelled"],
  ["active", "payment_failed", "grace"],
  ["active", "cancel", "cancelled"],
  ["active", "term_ended", "expired"],
  ["grace", "retry_succeeded", "active"],
  ["grace", "retries_exhausted", "suspended"],
  ["grace", "cancel", "cancelled"],
  ["suspended", "payment_resolved", "active"],
  ["suspended", "cancel", "cancelled"],
  // External reports: each leads to one state from every state (the vendor's word is the state).
  ...ALL.map((from) => [from, "external_renewed", "active"] as const),
  ...ALL.map((from) => [from, "external_grace", "grace"] as const),
  ...ALL.map((from) => [from, "external_on_hold", "suspended"] as const),
  ...ALL.map((from) => [from, "paused", "suspended"] as const),
  ...ALL.map((from) => [from, "external_expired", "expired"] as const),
  ...ALL.map((from) => [from, "refunded", "cancelled"] as const),
  ...ALL.map((from) => [from, "revoked", "cancelled"] as const),
  ...ALL.map((from) => [from, "external_cancelled", "cancelled"] as const),
  ...ALL.map((from) => [from, "resubscribed", "active"] as const),
];

describe("subscription state machine", () => {
  for (const from of SUBSCRIPTION_STATUSES) {
    for (const event of SUBSCRIPTION_EVENTS) {
      const row = EXPECTED.find(([f, e]) => f === from && e === event);
      it(`${from} + ${event} → ${row ? row[2] : "refused"}`, () => {
        const result = transition(from, event);
        if (row) expect(result).toEqual({ ok: true, from, event, to: row[2] });
        else expect(result).toMatchObject({ ok: false, code: "INVALID_STATE_TRANSITION", from, event });
      });
    }
  }

  it("the hand-written table has no row the code lacks", () => {
    expect(EXPECTED.length).toBe(11 + 6 * EXTERNAL_EVENTS.length);
    expect(new Set(EXPECTED.map(([f, e]) => `${f}:${e}`)).size).toBe(EXPECTED.length);
  });

  it("grants in trial, active and grace only", () => {
    expect(SUBSCRIPTION_STATUSES.filter(grantsEntitlements)).toEqual(["trial", "active", "grace"]);
  });

  it("cancelled and expired are terminal for our own billing; nothing else is", () => {
    expect(SUBSCRIPTION_STATUSES.filter(isTerminal)).toEqual(["cancelled", "expired"]);
    expect(canMove("grace", "active")).toBe(true);
    expect(canMove("cancelled", "active")).toBe(true); // only by a store's report
    expect(transition("cancelled", "payment_resolved").ok).toBe(false);
  });

  it("direct and external events are disjoint and cover every event", () => {
    expect(DIRECT_EVENTS.filter(isExternalEvent)).toEqual([]);
    expect(EXTERNAL_EVENTS.every(isExternalEvent)).toBe(true);
    expect(DIRECT_EVENTS.length + EXTERNAL_EVENTS.length).toBe(SUBSCRIPTION_EVENTS.length);
  });

  it("random direct sequences never leave a terminal state and refuse with a reason", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...DIRECT_EVENTS), { maxLength: 60 }), fc.boolean(), (events, trial) => {
        let state: SubscriptionStatus = trial ? "trial" : "active";
        for (const event of events) {
          const result = transition(state, event);
          if (!result.ok) {
            expect(result.reason).toContain(state);
            continue;
          }
          expect(isTerminal(state)).toBe(false);
          expect(result.to).not.toBe(state); // our own billing only ever moves
          state = result.to;
        }
        expect(SUBSCRIPTION_STATUSES).toContain(state);
      }),
    );
  });

  it("after any mix of events, the last external report decides the state", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUBSCRIPTION_STATUSES),
        fc.array(fc.constantFrom(...SUBSCRIPTION_EVENTS), { maxLength: 40 }),
        fc.constantFrom(...EXTERNAL_EVENTS),
        (start, events, last) => {
          let state = start;
          for (const event of [...events, last]) {
            const result = transition(state, event);
            if (result.ok) state = result.to;
          }
          expect(state).toBe(EXPECTED.find(([f, e]) => f === "trial" && e === last)![2]);
        },
      ),
    );
  });
});
