import type { Event, Subscription } from "@tessera/core";
import type { Deps } from "../../context.js";
import { isoNow } from "../../lib/clock.js";
import type { EventConsumer } from "../events/index.js";
import * as repo from "./repo.js";

/**
 * Follows what billing did with a pending change at the renewal (billing/price-change.ts announces
 * it), and subscriptions that ended before their change was due, onto the change's row. At least
 * once and in any order: each step moves the row only from an open status. A subscription has at
 * most one open change (a migration skips the others), so the open one is the one meant.
 */
export function priceChangesConsumer({ db }: Pick<Deps, "db">): EventConsumer {
  return {
    name: "price-changes",
    types: [
      "subscription.price_change_applied",
      "subscription.price_change_expired",
      "subscription.cancelled",
      "subscription.expired",
    ],
    async handle(scope, event: Event) {
      const sub = event.data.object as Subscription;
      const open = await repo.findOpenChange(db, scope, sub.id);
      if (!open) return;
      const now = isoNow(scope.clock);
      if (event.type === "subscription.price_change_applied") {
        await repo.moveChange(db, scope, open.id, repo.OPEN_STATUSES, { status: "applied", updated_at: now });
      } else if (event.type === "subscription.price_change_expired") {
        await repo.moveChange(db, scope, open.id, repo.OPEN_STATUSES, {
          status: "expired",
          reason: expiryReason(open.status, sub),
          updated_at: now,
        });
      } else if (open.effective_at !== null && sub.ended_at !== null && open.effective_at > sub.ended_at) {
        // Ended before its renewal: the change never came due. (Ending at that very renewal is the
        // period end's own decision, announced as price_change_expired.)
        await repo.moveChange(db, scope, open.id, repo.OPEN_STATUSES, {
          status: "cancelled",
          reason: `the subscription ended (${sub.status}) before the change was due`,
          updated_at: now,
        });
      }
    },
  };
}

function expiryReason(status: string, sub: Subscription): string {
  const noConsent = status === "awaiting_consent" || status === "declined";
  const why = status === "declined" ? "the customer declined" : "no consent by the renewal";
  if (sub.status_history.at(-1)?.reason === "price_change_not_consented") return `${why}: cancelled at the period end`;
  if (sub.status === "cancelled" || sub.status === "expired") return "the subscription ended at the renewal";
  return noConsent ? `${why}: kept on the old price` : "superseded by the customer's own plan change";
}
