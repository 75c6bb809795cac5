import { type AdvanceTestClock, addIsoDuration, type TestClock } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
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
      const { now } = await current(scope);
      const target = "to" in input ? new Date(input.to) : addIsoDuration(now, input.by);
      if (target.getTime() < now.getTime()) {
        throw new ApiError("VALIDATION_FAILED", "A test clock only moves forward", {
          errors: [{ path: "to", message: `must not be before ${now.toISOString()}` }],
        });
      }
      const until = target.toISOString();
      let jobsRun = 0;
      let clockAt = now.toISOString();
      for (let step = 0; step < MAX_STEPS; step++) {
        const due = await nextDueAt(deps.db, scope.environmentId, until);
        if (!due) break;
        if (due > clockAt) clockAt = due;
        await tenancy.setTestClock(scope.environmentId, clockAt);
        const ran = await worker.drain({ environmentId: scope.environmentId });
        jobsRun += ran;
        // Nothing ran although something is due: it is locked by another worker; let it finish.
        if (ran === 0) await new Promise((r) => setTimeout(r, 20));
      }
      await tenancy.setTestClock(scope.environmentId, until);
      const moved = (await tenancy.scopeForEnvironment(scope.environmentId)) ?? scope;
      await deps.db.transaction().execute((tx) =>
        events.record(tx, moved, {
          type: "test_clock.advanced",
          object: {
            id: scope.environmentId,
            object: "test_clock",
            from: now.toISOString(),
            to: until,
            jobs_run: jobsRun,
          },
        }),
      );
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
}

export type TestClocksService = ReturnType<typeof testClocksService>;
