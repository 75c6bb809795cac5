import type { PaymentMethodType } from "@tessera/core";
import type { Scope } from "../../../context.js";
import { inScope, type ScopeIds } from "../../../db/scope.js";
import type { Db } from "../../../db/types.js";
import { preparedQuery, preparedShapes } from "../../../lib/prepared.js";

/*
 * Rolling success rates per PSP × country × method type, decayed exponentially (half-life one
 * week), so a PSP that fails now loses share quickly and one that recovers regains it.
 *
 * Each row stores its counts scaled by 2^(age within its era / half-life): recording an outcome
 * is then one atomic add, however many charges run at once. An era is 64 half-lives long, far from
 * losing double precision; a row of an older era is rebased when next written.
 */

export const HALF_LIFE_MS = 7 * 24 * 3_600_000;
const ERA_MS = 64 * HALF_LIFE_MS;
/** A PSP without history counts as PRIOR_WEIGHT attempts at PRIOR_RATE, so a few outcomes cannot swing it. */
export const PRIOR_RATE = 0.8;
export const PRIOR_WEIGHT = 5;

const eraOf = (ms: number) => Math.floor(ms / ERA_MS);
/** The scale of an outcome at `ms` within `era` (1 at the era's start). */
const scaleAt = (ms: number, era: number) => 2 ** ((ms - era * ERA_MS) / HALF_LIFE_MS);

export interface StatsKey {
  country: string | null;
  methodType: PaymentMethodType;
}

export interface ProviderStats {
  successRate: number;
  /** Decayed number of attempts behind the rate (0: only the prior). */
  observations: number;
}

/** What counts: an approval for, a soft decline or an outage against; hard declines are the card's, not the PSP's. */
export type StatsOutcome = "ok" | "fail";

// Every charge records its outcome: compiled once (lib/prepared.ts).
const addOutcome = preparedQuery(
  ["tenant", "env", "provider", "country", "method", "era", "ok", "weight", "at"],
  (db: Db, p) =>
    db
      .insertInto("routing_stats")
      .values({
        tenant_id: p.tenant,
        environment_id: p.env,
        provider: p.provider,
        country: p.country,
        method_type: p.method as PaymentMethodType,
        era: p.era as unknown as number,
        weighted_ok: p.ok as unknown as number,
        weighted_all: p.weight as unknown as number,
        updated_at: p.at,
      })
      .onConflict((oc) =>
        oc
          .columns(["environment_id", "provider", "country", "method_type"])
          .doUpdateSet((eb) => ({
            weighted_ok: eb("routing_stats.weighted_ok", "+", eb.ref("excluded.weighted_ok")),
            weighted_all: eb("routing_stats.weighted_all", "+", eb.ref("excluded.weighted_all")),
            updated_at: eb.ref("excluded.updated_at"),
          }))
          .where("routing_stats.era", "=", p.era as unknown as number),
      ),
);

export async function recordOutcome(
  db: Db,
  scope: Scope,
  provider: string,
  key: StatsKey,
  outcome: StatsOutcome,
): Promise<void> {
  const ms = scope.clock.now().getTime();
  const era = eraOf(ms);
  const weight = scaleAt(ms, era);
  const ok = outcome === "ok" ? weight : 0;
  const country = key.country ?? "";
  const updatedAt = new Date(ms).toISOString();
  for (let tries = 0; tries < 5; tries++) {
    const result = await addOutcome(db, {
      tenant: scope.tenantId,
      env: scope.environmentId,
      provider,
      country,
      method: key.methodType,
      era,
      ok,
      weight,
      at: updatedAt,
    });
    if (Number(result.numAffectedRows ?? 0) > 0) return;
    // The row belongs to an older era: rebase it to this one (compare-and-set on its era).
    const row = await db
      .selectFrom("routing_stats")
      .select(["era", "weighted_ok", "weighted_all"])
      .where(inScope(scope))
      .where("provider", "=", provider)
      .where("country", "=", country)
      .where("method_type", "=", key.methodType)
      .executeTakeFirst();
    if (!row) continue;
    const factor = 2 ** (-((era - Number(row.era)) * ERA_MS) / HALF_LIFE_MS);
    await db
      .updateTable("routing_stats")
      .set({
        era,
        weighted_ok: Number(row.weighted_ok) * factor + ok,
        weighted_all: Number(row.weighted_all) * factor + weight,
        updated_at: updatedAt,
      })
      .where(inScope(scope))
      .where("provider", "=", provider)
      .where("country", "=", country)
      .where("method_type", "=", key.methodType)
      .where("era", "=", row.era)
      .executeTakeFirst();
    return;
  }
}

// Every charge's routing reads them: compiled once per number of candidate providers.
const statsOf = preparedShapes(
  (count: number) => String(count),
  (count: number) => {
    const names = Array.from({ length: count }, (_, i) => `p${i}`);
    return preparedQuery(["tenant", "env", "country", "method", ...names], (db: Db, placeholders) => {
      const p = placeholders as Record<string, string>;
      const at = (name: string) => p[name] as string;
      return db
        .selectFrom("routing_stats")
        .select(["provider", "era", "weighted_ok", "weighted_all"])
        .where(inScope({ tenantId: at("tenant"), environmentId: at("env") }))
        .where("provider", "in", names.map(at))
        .where("country", "=", at("country"))
        .where("method_type", "=", at("method") as PaymentMethodType);
    });
  },
);

/** The decayed rates of `providers` now; a provider without rows gets the prior alone. */
export async function readStats(
  db: Db,
  scope: ScopeIds,
  nowMs: number,
  providers: string[],
  key: StatsKey,
): Promise<Map<string, ProviderStats>> {
  const rows = providers.length
    ? (
        await statsOf(providers.length)(db, {
          tenant: scope.tenantId,
          env: scope.environmentId,
          country: key.country ?? "",
          method: key.methodType,
          ...Object.fromEntries(providers.map((name, i) => [`p${i}`, name])),
        })
      ).rows
    : [];
  const stats = new Map<string, ProviderStats>();
  for (const name of providers) {
    const row = rows.find((r) => r.provider === name);
    const scale = row ? scaleAt(nowMs, Number(row.era)) : 1;
    const ok = row ? Number(row.weighted_ok) / scale : 0;
    const all = row ? Number(row.weighted_all) / scale : 0;
    stats.set(name, {
      successRate: (ok + PRIOR_RATE * PRIOR_WEIGHT) / (all + PRIOR_WEIGHT),
      observations: all,
    });
  }
  return stats;
}
