import type { ChannelName } from "@tessera/core";
import { type Deps, loggerFor, type Scope } from "../../context.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { ChannelRegistry } from "./registry.js";
import * as repo from "./repo.js";
import { channelTarget } from "./targets.js";

/*
 * The repair sweep: vendors deliver notifications at least once, but "at least" can fail (an
 * outage on either side outlasting the vendor's retries). Periodically, for each storefront and
 * vendor channel that can be asked (`refetch`), the subscriptions nobody has heard of for a while,
 * or whose period ended without a renewal notice, are re-fetched and the vendor's answer applied
 * like a notification (kept in the inbox as REFETCH). One job per storefront and channel, on the
 * vendor's own worker target, so a slow vendor delays only its own repairs.
 */

export const REPAIR_SWEEP_JOB = "channels.repair_sweep";
export const REPAIR_JOB = "channels.repair";

const HOUR_MS = 3_600_000;

export interface RepairTuning {
  /** How often the sweep runs. */
  intervalMs: number;
  /** A subscription without any notification for this long is asked about. */
  staleAfterMs: number;
  /** A period that ended this long ago without a renewal notice is asked about. */
  periodGraceMs: number;
  /** A subscription asked about (or notified) less than this ago is left alone. */
  recheckAfterMs: number;
  /** Most subscriptions one repair job asks about (the next sweep takes the rest). */
  batch: number;
}

export const DEFAULT_REPAIR: RepairTuning = {
  intervalMs: HOUR_MS,
  staleAfterMs: 7 * 24 * HOUR_MS,
  periodGraceMs: HOUR_MS,
  recheckAfterMs: HOUR_MS,
  batch: 200,
};

export function channelRepair(
  deps: Deps,
  o: {
    registry: ChannelRegistry;
    jobs: JobRegistry;
    scopeOf: (environmentId: string) => Promise<Scope | undefined>;
    /** The channels service's refetch: asks the vendor and applies the answer. */
    refetch: (scope: Scope, subscriptionId: string) => Promise<unknown>;
    tuning?: Partial<RepairTuning>;
  },
) {
  const { db } = deps;
  const t = { ...DEFAULT_REPAIR, ...o.tuning };

  async function scheduleSweep(afterMs = 0): Promise<void> {
    const now = deps.clock.now();
    const at = new Date(now.getTime() + afterMs);
    await enqueueJob(db, now.toISOString(), {
      type: REPAIR_SWEEP_JOB,
      payload: {},
      runAt: at.toISOString(),
      clock: "wall",
      // One sweep per interval, however many processes schedule it.
      dedupeKey: `${REPAIR_SWEEP_JOB}:${Math.floor(at.getTime() / t.intervalMs)}`,
    });
  }

  /** Asks the vendor about one storefront channel's due subscriptions; throws (the job retries) if any failed. */
  async function repair(scope: Scope, storefrontId: string, channel: ChannelName): Promise<{ repaired: number }> {
    const now = scope.clock.now().getTime();
    const before = (ms: number) => new Date(now - ms).toISOString();
    const due = await repo.listDueForRepair(db, scope, {
      storefrontId,
      channel,
      checkedBefore: before(t.recheckAfterMs),
      staleBefore: before(t.staleAfterMs),
      periodEndedBefore: before(t.periodGraceMs),
      limit: t.batch,
    });
    let failed = 0;
    for (const subscriptionId of due) {
      try {
        await o.refetch(scope, subscriptionId);
      } catch (error) {
        failed++;
        loggerFor(deps, scope).warn({ err: error, subscription: subscriptionId, channel }, "channel repair failed");
      }
    }
    if (failed > 0) throw new Error(`${failed} of ${due.length} ${channel} repairs failed; the job retries them`);
    return { repaired: due.length };
  }

  o.jobs.register(REPAIR_SWEEP_JOB, async () => {
    const asked = o.registry.names().filter((name) => {
      const adapter = o.registry.get(name);
      return adapter?.refetch && adapter.capabilities.managedBy === "vendor";
    });
    const now = deps.clock.now();
    const slot = Math.floor(now.getTime() / t.intervalMs);
    for (const w of await repo.listWatchedChannels(db, asked)) {
      const scope = await o.scopeOf(w.environment_id);
      if (!scope) continue;
      await enqueueJob(db, now.toISOString(), {
        type: REPAIR_JOB,
        payload: { storefront: w.storefront_id, channel: w.channel },
        runAt: scope.clock.now().toISOString(),
        scope,
        dedupeKey: `${REPAIR_JOB}:${w.environment_id}:${w.storefront_id}:${w.channel}:${slot}`,
        target: channelTarget(w.channel, w.storefront_id),
      });
    }
    await scheduleSweep(t.intervalMs);
  });

  o.jobs.register(REPAIR_JOB, async ({ payload, scope }) => {
    if (!scope) throw new Error(`${REPAIR_JOB} needs a scope`);
    const p = payload as { storefront: string; channel: ChannelName };
    await repair(scope, p.storefront, p.channel);
  });

  return { scheduleSweep, repair };
}
