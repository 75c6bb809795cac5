import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canMove,
  grantsEntitlements,
  isTerminal,
  SUBSCRIPTION_EVENTS,
  SUBSCRIPTION_STATUSES,
  type SubscriptionEvent,
  type SubscriptionStatus,
  transition,
} from "./subscription-state.js";

// DESIGN §1, written out again by hand so a change to the table in code has to be made twice.
const EXPECTED: Array<[SubscriptionStatus, SubscriptionEvent, SubscriptionStatus]> = [
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
];

describe("subscription state machine", () => {
  it("allows exactly the transitions of the design table", () => {
    for (const from of SUBSCRIPTION_STATUSES) {
      for (const event of SUBSCRIPTION_EVENTS) {
        const row = EXPECTED.find(([f, e]) => f === from && e === event);
        const result = transition(from, event);
        if (row) expect(result).toEqual({ ok: true, from, event, to: row[2] });
        else expect(result).toMatchObject({ ok: false, code: "INVALID_STATE_TRANSITION", from, event });
      }
    }
  });

  it("grants in trial, active and grace only", () => {
    expect(SUBSCRIPTION_STATUSES.filter(grantsEntitlements)).toEqual(["trial", "active", "grace"]);
  });

  it("cancelled and expired are terminal; nothing else is", () => {
    expect(SUBSCRIPTION_STATUSES.filter(isTerminal)).toEqual(["cancelled", "expired"]);
    expect(canMove("grace", "active")).toBe(true);
    expect(canMove("active", "suspended")).toBe(false);
    expect(canMove("cancelled", "active")).toBe(false);
  });

  it("random event sequences only ever visit states reachable through the table", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...SUBSCRIPTION_EVENTS), { maxLength: 60 }),
        fc.boolean(),
        (events, trial) => {
          let state: SubscriptionStatus = trial ? "trial" : "active";
          for (const event of events) {
            const result = transition(state, event);
            if (!result.ok) {
              // A refusal leaves the state as it was and names why.
              expect(result.reason).toContain(state);
              continue;
            }
            expect(canMove(state, result.to)).toBe(true);
            expect(isTerminal(state)).toBe(false);
            state = result.to;
          }
          expect(SUBSCRIPTION_STATUSES).toContain(state);
        },
      ),
    );
  });
});
