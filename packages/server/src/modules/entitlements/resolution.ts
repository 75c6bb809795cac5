import type { EntitlementKind, Interval } from "@tessera/core";

/**
 * The merge rule of DESIGN §1, as a pure function: flag = OR, tier = highest by the entitlement's
 * level order, quota = sum of limits, content = union. Every source (a granting subscription's
 * bundle entitlement, a manual grant) contributes one value per entitlement; values of the same
 * entitlement combine pairwise with `combine`, which is commutative and associative (tested with
 * fast-check), so the result does not depend on the order sources are read in.
 */

/** What one source grants of one entitlement. */
export interface Contribution {
  /** The granting object: a subscription (sub_…) or a manual grant (grt_…). */
  source: string;
  key: string;
  entitlementId: string;
  kind: EntitlementKind;
  limit: number | null;
  level: string | null;
  content: readonly string[] | null;
  /** tier: the entitlement's levels, lowest first. */
  levels: readonly string[] | null;
  /** quota: the window length. */
  period: Interval | null;
}

/** One entitlement after merging every contribution to it. */
export interface Merged {
  key: string;
  entitlementId: string;
  kind: EntitlementKind;
  level: string | null;
  /** tier: index of `level` in `levels`; -1 for a level the entitlement no longer lists. */
  rank: number | null;
  levels: string[] | null;
  limit: number | null;
  period: Interval | null;
  content: string[] | null;
  sources: string[];
}

const sortedUnion = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])].sort();

export function fromContribution(c: Contribution): Merged {
  const levels = c.kind === "tier" ? [...(c.levels ?? [])] : null;
  return {
    key: c.key,
    entitlementId: c.entitlementId,
    kind: c.kind,
    level: c.kind === "tier" ? c.level : null,
    rank: c.kind === "tier" && c.level !== null ? (levels ?? []).indexOf(c.level) : null,
    levels,
    limit: c.kind === "quota" ? (c.limit ?? 0) : null,
    period: c.kind === "quota" ? c.period : null,
    content: c.kind === "content" ? sortedUnion([], c.content ?? []) : null,
    sources: [c.source],
  };
}

/** Compares two tier values: higher rank wins; equal ranks fall back to the name, so ties are stable. */
function higherTier(a: Merged, b: Merged): Merged {
  const ra = a.rank ?? -2;
  const rb = b.rank ?? -2;
  if (ra !== rb) return ra > rb ? a : b;
  return (a.level ?? "") >= (b.level ?? "") ? a : b;
}

/**
 * Two values of the same entitlement. Both come from the same catalog row, so key, id, kind,
 * levels and period agree; where they could differ (levels, period) the choice is made by value,
 * never by argument order, to keep the operation commutative.
 */
export function combine(a: Merged, b: Merged): Merged {
  const sources = sortedUnion(a.sources, b.sources);
  switch (a.kind) {
    case "flag":
      return { ...a, sources };
    case "tier": {
      const win = higherTier(a, b);
      return { ...win, sources };
    }
    case "quota": {
      const period = [a.period, b.period].filter((p) => p !== null).sort()[0] ?? null;
      return { ...a, limit: (a.limit ?? 0) + (b.limit ?? 0), period, sources };
    }
    case "content":
      return { ...a, content: sortedUnion(a.content ?? [], b.content ?? []), sources };
  }
}

/** Every contribution merged per entitlement, sorted by key. */
export function mergeContributions(contributions: readonly Contribution[]): Merged[] {
  const byKey = new Map<string, Merged>();
  for (const c of contributions) {
    const value = fromContribution(c);
    const seen = byKey.get(c.key);
    byKey.set(c.key, seen ? combine(seen, value) : value);
  }
  return [...byKey.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

/** Merges two already merged sets (e.g. subscriptions' and grants'): the same result as merging all at once. */
export function mergeSets(a: readonly Merged[], b: readonly Merged[]): Merged[] {
  const byKey = new Map<string, Merged>(a.map((m) => [m.key, m]));
  for (const m of b) {
    const seen = byKey.get(m.key);
    byKey.set(m.key, seen ? combine(seen, m) : m);
  }
  return [...byKey.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}
