import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Contribution,
  combine,
  fromContribution,
  type Merged,
  mergeContributions,
  mergeSets,
} from "./resolution.js";
import { quotaWindow } from "./windows.js";

/*
 * Entitlements are catalog rows: one key always has one id, kind, level list and period. The
 * generators keep that true and vary everything a source can choose (which keys, which values).
 */
const CATALOG = {
  "export-pdf": { kind: "flag", levels: null, period: null },
  beta: { kind: "flag", levels: null, period: null },
  support: { kind: "tier", levels: ["basic", "priority", "dedicated"], period: null },
  "api-calls": { kind: "quota", levels: null, period: "month" },
  seats: { kind: "quota", levels: null, period: "day" },
  courses: { kind: "content", levels: null, period: null },
} as const;
type CatalogKey = keyof typeof CATALOG;
const KEYS = Object.keys(CATALOG) as CatalogKey[];

const contribution = (source: string): fc.Arbitrary<Contribution> =>
  fc.constantFrom(...KEYS).chain((key) => {
    const def = CATALOG[key];
    const base: Contribution = {
      source,
      key,
      entitlementId: `ent_${key}`,
      kind: def.kind,
      levels: def.levels,
      period: def.period,
      limit: null,
      level: null,
      content: null,
    };
    switch (def.kind) {
      case "flag":
        return fc.constant(base);
      case "tier":
        return fc.constantFrom(...def.levels).map((level): Contribution => ({ ...base, level }));
      case "quota":
        return fc.integer({ min: 0, max: 1_000_000 }).map((limit): Contribution => ({ ...base, limit }));
      case "content":
        return fc
          .array(fc.constantFrom("c1", "c2", "c3", "c4", "c5"), { maxLength: 4 })
          .map((content): Contribution => ({ ...base, content }));
    }
  });

const sourceId = fc.oneof(
  fc.integer({ min: 1, max: 50 }).map((n) => `sub_${n}`),
  fc.integer({ min: 1, max: 50 }).map((n) => `grt_${n}`),
);
const contributions = fc.array(
  sourceId.chain((s) => contribution(s)),
  { maxLength: 25 },
);
/** One merged value of a given key, built from one or more contributions to it. */
const mergedOf = (key: CatalogKey) =>
  fc
    .array(
      sourceId.chain((s) => contribution(s)).filter((c) => c.key === key),
      { minLength: 1, maxLength: 4 },
    )
    .map((cs) => mergeContributions(cs)[0]!);
const mergedTriple = fc.constantFrom(...KEYS).chain((key) => fc.tuple(mergedOf(key), mergedOf(key), mergedOf(key)));

describe("entitlement merge (DESIGN §1)", () => {
  it("combine is commutative", () => {
    fc.assert(
      fc.property(mergedTriple, ([a, b]) => {
        expect(combine(a, b)).toEqual(combine(b, a));
      }),
    );
  });

  it("combine is associative", () => {
    fc.assert(
      fc.property(mergedTriple, ([a, b, c]) => {
        expect(combine(combine(a, b), c)).toEqual(combine(a, combine(b, c)));
      }),
    );
  });

  it("the result does not depend on the order of the sources", () => {
    fc.assert(
      fc.property(
        contributions.chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, { minLength: cs.length }))),
        ([cs, shuffled]) => {
          expect(mergeContributions(shuffled)).toEqual(mergeContributions(cs));
        },
      ),
    );
  });

  it("merging two partial merges equals merging everything at once", () => {
    fc.assert(
      fc.property(contributions, contributions, (a, b) => {
        expect(mergeSets(mergeContributions(a), mergeContributions(b))).toEqual(mergeContributions([...a, ...b]));
      }),
    );
  });

  it("flag = OR, tier = highest, quota = sum, content = union, sources = every contributor", () => {
    fc.assert(
      fc.property(contributions, (cs) => {
        const merged = new Map<string, Merged>(mergeContributions(cs).map((m) => [m.key, m]));
        for (const key of KEYS) {
          const mine = cs.filter((c) => c.key === key);
          const m = merged.get(key);
          // A key is granted exactly when some source grants it (the OR of flags, and of everything).
          expect(m !== undefined).toBe(mine.length > 0);
          if (!m) continue;
          expect(m.sources).toEqual([...new Set(mine.map((c) => c.source))].sort());
          const def = CATALOG[key];
          if (def.kind === "tier") {
            const best = Math.max(...mine.map((c) => def.levels.indexOf(c.level as never)));
            expect(m.rank).toBe(best);
            expect(m.level).toBe(def.levels[best]);
          }
          if (def.kind === "quota") expect(m.limit).toBe(mine.reduce((sum, c) => sum + (c.limit ?? 0), 0));
          if (def.kind === "content")
            expect(m.content).toEqual([...new Set(mine.flatMap((c) => c.content ?? []))].sort());
        }
      }),
    );
  });

  it("keeps one entry per key, sorted", () => {
    const merged = mergeContributions([
      fromContributionInput("sub_1", "support", { level: "basic" }),
      fromContributionInput("grt_1", "support", { level: "dedicated" }),
      fromContributionInput("sub_1", "api-calls", { limit: 100 }),
      fromContributionInput("grt_2", "api-calls", { limit: 50 }),
    ]);
    expect(merged.map((m) => [m.key, m.level ?? m.limit, m.sources])).toEqual([
      ["api-calls", 150, ["grt_2", "sub_1"]],
      ["support", "dedicated", ["grt_1", "sub_1"]],
    ]);
  });

  it("ranks a level the entitlement no longer lists below every listed one", () => {
    const stale = fromContribution(fromContributionInput("sub_1", "support", { level: "gold" }));
    const basic = fromContribution(fromContributionInput("grt_1", "support", { level: "basic" }));
    expect(stale.rank).toBe(-1);
    expect(combine(stale, basic).level).toBe("basic");
  });
});

function fromContributionInput(source: string, key: CatalogKey, value: Partial<Contribution>): Contribution {
  const def = CATALOG[key];
  return {
    source,
    key,
    entitlementId: `ent_${key}`,
    kind: def.kind,
    levels: def.levels,
    period: def.period,
    limit: null,
    level: null,
    content: null,
    ...value,
  };
}

describe("quota windows (calendar periods in UTC)", () => {
  const at = (iso: string) => new Date(iso);
  const w = (period: Parameters<typeof quotaWindow>[0], iso: string) => {
    const { start, end } = quotaWindow(period, at(iso));
    return [start.toISOString(), end.toISOString()];
  };

  it("aligns days, ISO weeks (Monday), months and years", () => {
    expect(w("day", "2026-03-15T23:59:59.999Z")).toEqual(["2026-03-15T00:00:00.000Z", "2026-03-16T00:00:00.000Z"]);
    // 2026-03-15 is a Sunday: its ISO week began on Monday the 9th.
    expect(w("week", "2026-03-15T12:00:00.000Z")).toEqual(["2026-03-09T00:00:00.000Z", "2026-03-16T00:00:00.000Z"]);
    expect(w("week", "2026-03-16T00:00:00.000Z")).toEqual(["2026-03-16T00:00:00.000Z", "2026-03-23T00:00:00.000Z"]);
    expect(w("month", "2026-12-31T10:00:00.000Z")).toEqual(["2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"]);
    expect(w("month", "2028-02-29T10:00:00.000Z")).toEqual(["2028-02-01T00:00:00.000Z", "2028-03-01T00:00:00.000Z"]);
    expect(w("year", "2026-07-04T00:00:00.000Z")).toEqual(["2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"]);
  });

  it("every instant lies in its window, and the next window starts where it ends", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("day", "week", "month", "year" as const),
        fc.date({ min: new Date("1990-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        (period, d) => {
          const { start, end } = quotaWindow(period, d);
          expect(start.getTime()).toBeLessThanOrEqual(d.getTime());
          expect(end.getTime()).toBeGreaterThan(d.getTime());
          expect(quotaWindow(period, end).start.getTime()).toBe(end.getTime());
          if (period === "week") expect(start.getUTCDay()).toBe(1);
        },
      ),
    );
  });
});
