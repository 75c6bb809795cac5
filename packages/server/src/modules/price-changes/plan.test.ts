import { describe, expect, it } from "vitest";
import type { SubscriptionRow } from "../../db/types.js";
import { effectiveAt, planFor } from "./plan.js";

/* The migration's decision per subscription, on rows as the subscriptions table holds them. */

const monthly = { interval: "month", interval_count: 1 } as const;

function row(over: Partial<SubscriptionRow> = {}): SubscriptionRow {
  return {
    id: "sub_1",
    tenant_id: "t",
    environment_id: "e",
    customer_id: "cus_1",
    storefront_id: "sf_1",
    bundle_id: "bun_1",
    price_id: "price_old",
    channel: "direct",
    status: "active",
    payment_method: "pm_sandbox_ok",
    period_index: 1,
    anchor_at: "2026-01-31T10:00:00.000Z",
    anchor_period: 1,
    current_period_start: "2026-01-31T10:00:00.000Z",
    current_period_end: "2026-02-28T10:00:00.000Z",
    trial_end: null,
    cancel_at_period_end: 0,
    cancelled_at: null,
    ended_at: null,
    status_history: "[]",
    pending_plan_change: null,
    pending_price_change: null,
    latest_payment_id: null,
    inflight_payment_id: null,
    unpaid_payment_id: null,
    dunning_step: null,
    dunning_retryable: null,
    next_retry_at: null,
    payment_check_at: null,
    version: 1,
    metadata: "{}",
    created_at: "2026-01-31T10:00:00.000Z",
    updated_at: "2026-01-31T10:00:00.000Z",
    ...over,
  };
}

describe("a price migration's plan for one subscription", () => {
  it("applies from the first period end at least notice_days ahead, on the anchor's calendar", () => {
    const now = "2026-02-10T00:00:00.000Z";
    expect(effectiveAt(row(), monthly, now, 0)).toBe("2026-02-28T10:00:00.000Z");
    expect(effectiveAt(row(), monthly, now, 18)).toBe("2026-02-28T10:00:00.000Z");
    // Past February's end: March 31st, the anchor's day, not March 28th.
    expect(effectiveAt(row(), monthly, now, 19)).toBe("2026-03-31T10:00:00.000Z");
    expect(effectiveAt(row(), monthly, now, 60)).toBe("2026-04-30T10:00:00.000Z");
  });

  it("counts a trial's end as the first renewal and anchors the paid periods there", () => {
    const trial = row({ status: "trial", period_index: 0, current_period_end: "2026-02-14T00:00:00.000Z" });
    const now = "2026-02-01T00:00:00.000Z";
    expect(effectiveAt(trial, monthly, now, 10)).toBe("2026-02-14T00:00:00.000Z");
    expect(effectiveAt(trial, monthly, now, 14)).toBe("2026-03-14T00:00:00.000Z");
  });

  it("skips store-managed, non-renewing, ending and already-changing subscriptions, with the reason", () => {
    const now = "2026-02-10T00:00:00.000Z";
    const terms = { strategy: "notify", noticeDays: 0 } as const;
    const reason = (r: SubscriptionRow, open = false) => {
      const plan = planFor(r, terms, monthly, now, open);
      return plan.status === "skipped" ? plan.reason.split(":")[0] : plan.status;
    };
    expect(reason(row({ channel: "app_store", payment_method: null }))).toBe("store_managed");
    expect(reason(row({ channel: "play_store", payment_method: null }))).toBe("store_managed");
    expect(reason(row({ status: "grace" }))).toBe("not_renewing");
    expect(reason(row({ cancel_at_period_end: 1 }))).toBe("cancel_scheduled");
    expect(reason(row({ pending_price_change: "{}" }))).toBe("price_change_pending");
    expect(reason(row(), true)).toBe("price_change_pending");
    expect(reason(row({ pending_plan_change: "{}" }))).toBe("plan_change_pending");
    expect(reason(row())).toBe("scheduled");
    expect(planFor(row(), { strategy: "require_consent", noticeDays: 0 }, monthly, now, false).status).toBe(
      "awaiting_consent",
    );
    expect(planFor(row(), { strategy: "grandfather", noticeDays: 0 }, monthly, now, false).status).toBe(
      "grandfathered",
    );
  });
});
