/**
 * The subscription state machine of DESIGN §1, pure and total: every (state, event) pair either
 * has a next state in TRANSITIONS or is refused. The server drives it; nothing else moves a
 * subscription's status, so a status the table cannot reach cannot be stored.
 */

export const SUBSCRIPTION_STATUSES = ["trial", "active", "grace", "suspended", "cancelled", "expired"] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const SUBSCRIPTION_EVENTS = [
  /** The first period was paid when the trial ended. */
  "trial_paid",
  /** A period charge was declined (at trial end or renewal). */
  "payment_failed",
  /** A dunning retry (scheduled or manual) paid the period while in grace. */
  "retry_succeeded",
  /** The last retry of the dunning schedule failed (or a hard decline's grace ran out). */
  "retries_exhausted",
  /** A suspended subscription's unpaid period was paid. */
  "payment_resolved",
  /** The customer or the merchant cancelled (now, or at period end when that end came). */
  "cancel",
  /** A fixed-term price's last period ended. */
  "term_ended",
] as const;
export type SubscriptionEvent = (typeof SUBSCRIPTION_EVENTS)[number];

type Table = { readonly [S in SubscriptionStatus]: Partial<Readonly<Record<SubscriptionEvent, SubscriptionStatus>>> };

/** The table of DESIGN §1, row by row. Terminal states have no way out. */
export const TRANSITIONS: Table = {
  trial: { trial_paid: "active", payment_failed: "grace", cancel: "cancelled" },
  active: { payment_failed: "grace", cancel: "cancelled", term_ended: "expired" },
  grace: { retry_succeeded: "active", retries_exhausted: "suspended", cancel: "cancelled" },
  suspended: { payment_resolved: "active", cancel: "cancelled" },
  cancelled: {},
  expired: {},
};

/** The states a subscription starts in: with a trial, or paid at once. */
export const INITIAL_STATUSES: readonly SubscriptionStatus[] = ["trial", "active"];

export type Transition =
  | { ok: true; from: SubscriptionStatus; event: SubscriptionEvent; to: SubscriptionStatus }
  | { ok: false; from: SubscriptionStatus; event: SubscriptionEvent; code: "INVALID_STATE_TRANSITION"; reason: string };

/** A refusal is data, not an exception: the caller decides whether it is a 409 or a stale job. */
export function transition(from: SubscriptionStatus, event: SubscriptionEvent): Transition {
  const to = TRANSITIONS[from][event];
  if (to) return { ok: true, from, event, to };
  return {
    ok: false,
    from,
    event,
    code: "INVALID_STATE_TRANSITION",
    reason: `a ${from} subscription does not accept "${event}"`,
  };
}

/** Whether some event moves `from` to `to` (used to check a stored history). */
export function canMove(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  return Object.values(TRANSITIONS[from]).includes(to);
}

const GRANTING: ReadonlySet<SubscriptionStatus> = new Set(["trial", "active", "grace"]);

/**
 * Entitlements are granted in trial, active and grace (a cancel scheduled for period end keeps
 * the status, so it keeps granting until the period ends); revoked in the others.
 */
export function grantsEntitlements(status: SubscriptionStatus): boolean {
  return GRANTING.has(status);
}

export function isTerminal(status: SubscriptionStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}

export function isSubscriptionStatus(value: string): value is SubscriptionStatus {
  return (SUBSCRIPTION_STATUSES as readonly string[]).includes(value);
}
