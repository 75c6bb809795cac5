import type { Deps, Scope } from "../../context.js";
import { withSystemAccess } from "../../db/access.js";
import type { DiscountRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { JobContext } from "../../jobs/worker.js";
import { isoNow } from "../../lib/clock.js";
import type { Redemptions } from "./redeem.js";
import * as repo from "./repo.js";

/*
 * After a crash (docs/campaigns.md): a subscription's coupon is claimed in one transaction (counters,
 * ledger row `redeemed`, an active discount) before the subscription exists, and announced
 * (`discount.applied`, `announced_at`) in another after it does. A process that dies between the
 * two leaves either a claim for a subscription that never came (the coupon's redemptions used up by
 * nobody) or a subscription whose discount no webhook ever told of. Every SWEEP_INTERVAL_MS a system
 * sweep lists unannounced active discounts of every tenant and gives each a job in its own scope
 * that finishes it the way the request would have: announced when its subscription exists,
 * released (exactly as a failed creation releases it) when it does not.
 *
 * A request between its two steps looks the same as a crash. CLAIM_GRACE_MS is what tells them
 * apart: nothing younger is touched. Both finishers are compare-and-sets on the discount
 * (`announced_at is null`), so a late request and the sweep never both announce, and a release
 * never removes a discount that was announced.
 */

export const CAMPAIGNS_SWEEP_JOB = "campaigns.sweep";
export const CLAIM_REPAIR_JOB = "campaigns.claim_repair";
/** How often the sweep runs. */
export const SWEEP_INTERVAL_MS = 10 * 60_000;
/**
 * A claim younger than this may belong to a request still creating its subscription. Far longer
 * than any request: a statement times out after 15 s by default (TESSERA_DB_STATEMENT_TIMEOUT_MS)
 * and a provider's first charge after its own timeout, seconds; shutdown waits 10 s.
 */
export const CLAIM_GRACE_MS = 15 * 60_000;
/** Discounts looked at per sweep; the rest wait for the next one. */
const SWEEP_LIMIT = 500;

/** What the sweep asks of subscriptions (their service, bound in services.ts). */
export interface SubscriptionExistence {
  get(scope: Scope, id: string): Promise<unknown>;
}

export function campaignsSweep(
  deps: Deps,
  o: {
    redeem: Pick<Redemptions, "release">;
    /** Records `discount.applied` once (service.ts): false when it was already, or the discount is gone. */
    announce: (scope: Scope, discount: DiscountRow) => Promise<boolean>;
    subscriptions: () => SubscriptionExistence;
    jobs: JobRegistry;
  },
) {
  const { db, clock, logger } = deps;

  async function scheduleSweep(afterMs = 0): Promise<void> {
    const at = new Date(clock.now().getTime() + afterMs);
    await enqueueJob(db, isoNow(clock), {
      type: CAMPAIGNS_SWEEP_JOB,
      payload: {},
      runAt: at.toISOString(),
      clock: "wall",
      // One sweep per interval, however many processes schedule it.
      dedupeKey: `${CAMPAIGNS_SWEEP_JOB}:${Math.floor(at.getTime() / SWEEP_INTERVAL_MS)}`,
    });
  }

  /**
   * Lists unannounced discounts of every tenant and gives each a repair job in its own scope. Their
   * age is judged there, by the environment's clock: `created_at` was written by that clock (a
   * sandbox under a test clock ages only as the test clock moves), and for a live environment it
   * is the wall clock.
   */
  async function sweep(): Promise<number> {
    const now = clock.now();
    const pending = await withSystemAccess(() => repo.unannouncedDiscounts(db, SWEEP_LIMIT));
    let scheduled = 0;
    for (const discount of pending) {
      const id = await enqueueJob(db, now.toISOString(), {
        type: CLAIM_REPAIR_JOB,
        payload: { discount: discount.id },
        runAt: now.toISOString(),
        clock: "wall",
        scope: { tenantId: discount.tenant_id, environmentId: discount.environment_id },
        // At most one per discount per interval.
        dedupeKey: `${CLAIM_REPAIR_JOB}:${discount.id}:${Math.floor(now.getTime() / SWEEP_INTERVAL_MS)}`,
      });
      if (id) scheduled++;
    }
    return scheduled;
  }

  async function subscriptionExists(scope: Scope, id: string): Promise<boolean> {
    try {
      await o.subscriptions().get(scope, id);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === "NOT_FOUND") return false;
      throw error;
    }
  }

  /** What became of one unannounced discount (kept in the log; the tests read it too). */
  async function repair(scope: Scope, discountId: string): Promise<string> {
    const discount = await repo.findDiscount(db, scope, discountId);
    if (discount?.status !== "active" || discount.announced_at !== null) return "nothing to do";
    const age = scope.clock.now().getTime() - new Date(discount.created_at).getTime();
    if (age < CLAIM_GRACE_MS) return "too young: its request may still be running";
    if (await subscriptionExists(scope, discount.subscription_id))
      return (await o.announce(scope, discount)) ? "announced" : "announced already";
    if (discount.first_period !== 1) {
      // Put on an existing subscription that is gone now (erased): nothing to give back to a new one.
      logger.warn(
        { discount: discount.id, subscription: discount.subscription_id },
        "campaigns sweep: no subscription",
      );
      return "left: its subscription is gone";
    }
    const redemption = await repo.findRedemption(db, scope, discount.redemption_id);
    if (!redemption) return "left: no ledger row";
    const released = await o.redeem.release(
      scope,
      { discount, redemption },
      `the subscription ${discount.subscription_id} it was claimed for was never created (crash before creation)`,
    );
    return released ? "released" : "released already";
  }

  o.jobs.register(CAMPAIGNS_SWEEP_JOB, async () => {
    await sweep();
    await scheduleSweep(SWEEP_INTERVAL_MS);
  });
  o.jobs.register(CLAIM_REPAIR_JOB, async (ctx: JobContext) => {
    if (!ctx.scope) return;
    const discount = (ctx.payload as { discount: string }).discount;
    const result = await repair(ctx.scope, discount);
    const log = ctx.scope.logger ?? logger;
    if (result === "announced" || result === "released")
      log.warn({ discount, result }, "campaigns sweep repaired a claim");
    else log.info({ discount, result }, "campaigns sweep");
  });

  return {
    /** Starts the periodic sweep (the long-running worker does, once). */
    scheduleSweep: () => scheduleSweep(),
    sweep,
    repair,
  };
}

export type CampaignsSweep = ReturnType<typeof campaignsSweep>;
