import type { Actor, EnterSafeMode, SafeMode } from "@tessera/core";
import { type Deps, type Scope, SYSTEM_ACTOR } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { Db, SafeModeRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { DEFERRED_PREFIX, type Deferral } from "../../jobs/queue.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { preparedQuery } from "../../lib/prepared.js";
import type { EventsService } from "../events/service.js";
import type { PaymentsService, Routing } from "../payments/service.js";

/** How long a held job waits before it looks again (lifting safe mode releases it at once). */
export const SAFE_MODE_RECHECK_MS = 5 * 60_000;
const DEFERRED_BY = "safe_mode";

function toSafeMode(row: SafeModeRow): SafeMode {
  return {
    id: row.id,
    object: "safe_mode",
    provider: row.provider,
    reason: row.reason,
    active: row.exited_at === null,
    entered_at: row.entered_at,
    entered_by: fromJson<Actor | null>(row.entered_by, null),
    exited_at: row.exited_at,
    exited_by: fromJson<Actor | null>(row.exited_by, null),
    released_jobs: row.released_jobs,
  };
}

/** The refusal an API caller sees; a job reads `deferMs` and waits in the queue instead. */
class SafeModeHold extends ApiError implements Deferral {
  readonly deferMs = SAFE_MODE_RECHECK_MS;
  readonly deferredBy = DEFERRED_BY;
}

/**
 * The operator's switch (docs/privacy.md "Safe mode"): while a provider or the environment is in
 * safe mode, no new charge starts — an API request that would charge is refused with 409
 * SAFE_MODE_ACTIVE, and a renewal or dunning job goes back to the queue with its attempt returned.
 * Lifting it releases those jobs at once. Attempts already in flight finish (they may have charged).
 */
// Every charge asks (the charge guard below): compiled once (lib/prepared.ts).
const activeHolds = preparedQuery(["tenant", "env"], (db: Db, p) =>
  db
    .selectFrom("safe_modes")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("exited_at", "is", null)
    .orderBy("id"),
);

export function safeModeService(
  deps: Deps,
  o: { events: Pick<EventsService, "record">; payments: Pick<PaymentsService, "registerChargeGuard"> },
) {
  const { db } = deps;

  async function active(scope: Scope): Promise<SafeModeRow[]> {
    return (await activeHolds(db, { tenant: scope.tenantId, env: scope.environmentId })).rows;
  }

  o.payments.registerChargeGuard(async (scope: Scope, route: Routing) => {
    const holds = await active(scope);
    if (holds.length === 0) return;
    const names = new Set(route.providers.map((p) => p.name));
    const hold = holds.find((h) => h.provider === null || names.has(h.provider));
    if (!hold) return;
    throw new SafeModeHold(
      "SAFE_MODE_ACTIVE",
      `${hold.provider === null ? "This environment" : `Provider ${hold.provider}`} is in safe mode (${hold.reason}): no new charges until it is lifted`,
    );
  });

  return {
    async list(scope: Scope): Promise<SafeMode[]> {
      const rows = await db
        .selectFrom("safe_modes")
        .selectAll()
        .where(inScope(scope))
        .orderBy("id", "desc")
        .limit(100)
        .execute();
      return rows.map(toSafeMode);
    },

    async enter(scope: Scope, input: EnterSafeMode): Promise<SafeMode> {
      const provider = input.provider ?? null;
      return db.transaction().execute(async (tx) => {
        const existing = await tx
          .selectFrom("safe_modes")
          .select("id")
          .where(inScope(scope))
          .where("exited_at", "is", null)
          .where((eb) => (provider === null ? eb("provider", "is", null) : eb("provider", "=", provider)))
          .executeTakeFirst();
        if (existing) {
          throw new ApiError("CONFLICT", `${provider ?? "The environment"} is already in safe mode (${existing.id})`);
        }
        const row: SafeModeRow = {
          id: newId("safe_mode"),
          tenant_id: scope.tenantId,
          environment_id: scope.environmentId,
          provider,
          reason: input.reason,
          entered_at: isoNow(scope.clock),
          entered_by: toJson(scope.actor ?? SYSTEM_ACTOR),
          exited_at: null,
          exited_by: null,
          released_jobs: null,
        };
        await tx.insertInto("safe_modes").values(row).execute();
        const mode = toSafeMode(row);
        await o.events.record(tx, scope, { type: "safe_mode.entered", object: mode });
        return mode;
      });
    },

    /** Lifts a hold and releases the jobs it held, unless another hold still covers the environment. */
    async exit(scope: Scope, id: string): Promise<SafeMode> {
      return db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom("safe_modes")
          .selectAll()
          .where(inScope(scope))
          .where("id", "=", id)
          .executeTakeFirst();
        if (!row) throw notFound("safe mode", id);
        if (row.exited_at !== null) throw new ApiError("CONFLICT", `Safe mode ${id} was lifted at ${row.exited_at}`);
        const now = isoNow(scope.clock);
        // Held jobs recheck on their own within minutes; released now, they run at the next claim.
        // A job still held by another switch is deferred again when it runs: nothing is lost.
        const released = await tx
          .updateTable("jobs")
          .set({ run_at: now, updated_at: isoNow(deps.clock) })
          .where("environment_id", "=", scope.environmentId)
          .where("status", "=", "pending")
          .where("last_error", "like", `${DEFERRED_PREFIX}${DEFERRED_BY}%`)
          .executeTakeFirst();
        const patch = {
          exited_at: now,
          exited_by: toJson(scope.actor ?? SYSTEM_ACTOR),
          released_jobs: Number(released.numUpdatedRows),
        };
        await tx.updateTable("safe_modes").set(patch).where(inScope(scope)).where("id", "=", id).execute();
        const mode = toSafeMode({ ...row, ...patch });
        await o.events.record(tx, scope, { type: "safe_mode.exited", object: mode });
        return mode;
      });
    },
  };
}

export type SafeModeService = ReturnType<typeof safeModeService>;
