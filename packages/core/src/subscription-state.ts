/**
 * The subscription state machine of DESIGN §1, pure and total: every (state, event) pair either
 * has a next state in TRANSITIONS or is refused. The server drives it; nothing else moves a
 * subscription's status, so a status the table cannot reach cannot be stored.
 *
 * Two kinds of events move it. Our own billing (the `direct` channel) sends the first seven and
 * decides from our own charges; the table for them is strict and cancelled/expired end it. A store
 * or partner (App Store, Play, PayPal, carrier) manages its subscriptions itself and tells us the
 * state it holds: its events are reports of that state, so each leads to one state from wherever
 * the subscription is, and the newest report wins (that is how duplicated or reordered
 * notifications converge on what the vendor says).
 */

export const SUBSCRIPTION_STATUSES = ["trial", "active", "grace", "suspended", "cancelled", "expired"] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const DIRECT_EVENTS = [
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
export type DirectEvent = (typeof DIRECT_EVENTS)[number];

export const EXTERNAL_EVENTS = [
  /** The vendor charged a period, or its own billing retry recovered one: access. */
  "external_renewed",
  /** The vendor's renewal failed and it keeps access while it retries (billing grace period). */
  "external_grace",
  /** The vendor's renewal failed and it retries without access (App Store billing retry, Play on hold). */
  "external_on_hold",
  /** The customer paused it at the vendor (Play): no access until it resumes with a renewal. */
  "paused",
  /** The vendor ended it: auto-renew was off at period end, retries ran out, the product went away. */
  "external_expired",
  /** The vendor refunded the purchase: access ends at once. */
  "refunded",
  /** The vendor revoked access (family sharing removed, chargeback, carrier barring). */
  "revoked",
  /** The customer, the merchant or the vendor's care cancelled it at the vendor, ending it now (PayPal CANCELLED, carrier SMS STOP). */
  "external_cancelled",
  /** The customer subscribed again at the vendor to the same vendor subscription after it ended. */
  "resubscribed",
] as const;
export type ExternalEvent = (typeof EXTERNAL_EVENTS)[number];

export const SUBSCRIPTION_EVENTS = [...DIRECT_EVENTS, ...EXTERNAL_EVENTS] as const;
export type SubscriptionEvent = DirectEvent | ExternalEvent;

type Table = { readonly [S in SubscriptionStatus]: Partial<Readonly<Record<SubscriptionEvent, SubscriptionStatus>>> };

/** Where each external report leads, whatever the subscription was before (see the file comment). */
export const EXTERNAL_TARGETS: Readonly<Record<ExternalEvent, SubscriptionStatus>> = {
  external_renewed: "active",
  external_grace: "grace",
  external_on_hold: "suspended",
  paused: "suspended",
  external_expired: "expired",
  refunded: "cancelled",
  revoked: "cancelled",
  external_cancelled: "cancelled",
  resubscribed: "active",
};

const external = Object.fromEntries(EXTERNAL_EVENTS.map((e) => [e, EXTERNAL_TARGETS[e]])) as Record<
  ExternalEvent,
  SubscriptionStatus
>;

/**
 * The table of DESIGN §1, row by row, extended with the external events. For direct events the
 * terminal states have no way out; an external row may lead to the state it already is in (a
 * renewal of an active subscription): the driver records no status change for that.
 */
export const TRANSITIONS: Table = {
  trial: { trial_paid: "active", payment_failed: "grace", cancel: "cancelled", ...external },
  active: { payment_failed: "grace", cancel: "cancelled", term_ended: "expired", ...external },
  grace: { retry_succeeded: "active", retries_exhausted: "suspended", cancel: "cancelled", ...external },
  suspended: { payment_resolved: "active", cancel: "cancelled", ...external },
  cancelled: { ...external },
  expired: { ...external },
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

export function isExternalEvent(event: SubscriptionEvent): event is ExternalEvent {
  return Object.hasOwn(EXTERNAL_TARGETS, event);
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

/** No event of our own billing leads out of it (a store may still report a resubscription). */
export function isTerminal(status: SubscriptionStatus): boolean {
  return DIRECT_EVENTS.every((event) => TRANSITIONS[status][event] === undefined);
}

export function isSubscriptionStatus(value: string): value is SubscriptionStatus {
  return (SUBSCRIPTION_STATUSES as readonly string[]).includes(value);
}
