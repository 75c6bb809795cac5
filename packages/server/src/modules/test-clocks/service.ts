import { type AdvanceTestClock, addIsoDuration, type TestClock } from "@tessera/core";
import { sql } from "kysely";
import type { Deps, Scope } from "../../context.js";
import type { Db } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { nextDueAt } from "../../jobs/queue.js";
import type { Worker } from "../../jobs/worker.js";
import type { EventsService } from "../events/service.js";
import type { TenancyService } from "../tenancy/service.js";

/** Production data never runs on simulated time. */
const PRODUCTION = "production";
/** A guard against a runaway schedule (a job that keeps re-enqueueing itself in the past). */
const MAX_STEPS = 1_000_000;

/**
 * Test clocks (Stripe's model): an environment's time freezes at an instant and moves only when
 * advanced. Advancing walks forward through every job that became due, in order, setting the
 * clock to each job's time before running it, so renewals and dunning happen as they would have.
 */
export function testClocksService(
  deps: Deps,
  { tenancy, events, worker }: { tenancy: TenancyService; events: EventsService; worker: Worker },
) {
  function refuseProduction(scope: Scope) {
    if (scope.environment === PRODUCTION) {
      throw new ApiError("TEST_CLOCK_FORBIDDEN", "Test clocks cannot be used in the production environment");
    }
  }

  /** Read fresh: the request's scope froze the clock when the request began. */
  async function current(scope: Scope) {
    const fresh = await tenancy.scopeForEnvironment(scope.environmentId);
    return { now: (fresh ?? scope).clock.now(), frozen: Boolean(fresh?.testClockAt) };
  }

  return {
    async get(scope: Scope): Promise<TestClock> {
      const { now, frozen } = await current(scope);
      return { object: "test_clock", environment: scope.environment, frozen, now: now.toISOString() };
    },

    async advance(scope: Scope, input: AdvanceTestClock): Promise<TestClock> {
      refuseProduction(scope);
      // An advance that a crash interrupted is finished first, and its event written once.
      const interrupted = await advanceInProgress(deps.db, scope.environmentId);
      if (interrupted) await walk(scope, interrupted.from, interrupted.to);
      const { now } = await current(scope);
      const target = "to" in input ? new Date(input.to) : addIsoDuration(now, input.by);
      if (target.getTime() < now.getTime()) {
        throw new ApiError("VALIDATION_FAILED", "A test clock only moves forward", {
          errors: [{ path: "to", message: `must not be before ${now.toISOString()}` }],
        });
      }
      const until = target.toISOString();
      await markAdvance(deps.db, scope.environmentId, { from: now.toISOString(), to: until });
      const jobsRun = await walk(scope, now.toISOString(), until);
      return { object: "test_clock", environment: scope.environment, frozen: true, now: until, jobs_run: jobsRun };
    },

    /**
     * Unfreezes the environment: its time is real time again, so a developer can start over.
     * Objects keep the times they were given; jobs scheduled for a simulated future wait for it.
     */
    async reset(scope: Scope): Promise<TestClock> {
      refuseProduction(scope);
      const { now: from, frozen } = await current(scope);
      await deps.db.transaction().execute(async (tx) => {
        await tenancy.setTestClock(scope.environmentId, null, tx);
        if (!frozen) return;
        const unfrozen = (await tenancy.scopeForEnvironment(scope.environmentId, tx)) ?? scope;
        await events.record(tx, unfrozen, {
          type: "test_clock.reset",
          object: { id: scope.environmentId, object: "test_clock", from: from.toISOString() },
        });
      });
      return {
        object: "test_clock",
        environment: scope.environment,
        frozen: false,
        now: deps.clock.now().toISOString(),
      };
    },
  };

  /**
   * Moves the clock from `from` to `until` through every job due on the way, then, in one
   * transaction, sets it to `until`, clears the advance in progress and records the event: an
   * advance is done entirely or can be walked again (what already ran is done and is not run twice).
   * A job claimed by another worker is waited for; a dead worker's claim returns after its lease.
   */
  async function walk(scope: Scope, from: string, until: string): Promise<number> {
    let jobsRun = 0;
    let clockAt = from;
    for (let step = 0; step < MAX_STEPS; step++) {
      const due = await nextDueAt(deps.db, scope.environmentId, until);
      if (!due) break;
      if (due > clockAt) clockAt = due;
      await tenancy.setTestClock(scope.environmentId, clockAt);
      const ran = await worker.drain({ environmentId: scope.environmentId });
      jobsRun += ran;
      // Nothing ran although something is due: another worker holds it; let it finish (or its lease pass).
      if (ran === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await deps.db.transaction().execute(async (tx) => {
      await tenancy.setTestClock(scope.environmentId, until, tx);
      await markAdvance(tx, scope.environmentId, undefined);
      const moved = (await tenancy.scopeForEnvironment(scope.environmentId, tx)) ?? scope;
      await events.record(tx, moved, {
        type: "test_clock.advanced",
        object: { id: scope.environmentId, object: "test_clock", from, to: until, jobs_run: jobsRun },
      });
    });
    return jobsRun;
  }
}

/** The advance in progress on an environment (columns of migration 015), if one never finished. */
async function advanceInProgress(db: Db, environmentId: string): Promise<{ from: string; to: string } | undefined> {
  const { rows } = await sql<{ advance_from: string | null; advance_to: string | null }>`
    select test_clock_advance_from as advance_from, test_clock_advance_to as advance_to
    from environments where id = ${environmentId}`.execute(db);
  const row = rows[0];
  return row?.advance_from && row.advance_to ? { from: row.advance_from, to: row.advance_to } : undefined;
}

async function markAdvance(db: Db, environmentId: string, advance: { from: string; to: string } | undefined) {
  await sql`
    update environments set test_clock_advance_from = ${advance?.from ?? null}, test_clock_advance_to = ${advance?.to ?? null}
    where id = ${environmentId}`.execute(db);
}

export type TestClocksService = ReturnType<typeof testClocksService>;
