import { PaymentRoutingSettings } from "@tessera/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SANDBOX_CAPABILITIES } from "../providers/sandbox.js";
import { decideRoute, failoverOrder, type ProviderFacts } from "./decide.js";

/*
 * Properties of the decision, over random storefronts (up to 8 PSPs), rules, fees, statistics and
 * breakers. A fixed seed in CI; PROPERTY_SEED=random explores.
 */

const seed = process.env.PROPERTY_SEED === "random" ? {} : { seed: Number(process.env.PROPERTY_SEED ?? 20261204) };
const NAMES = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
const COUNTRIES = ["DE", "TR", "US", "BR"];

const provider = (name: string) =>
  fc.record({
    name: fc.constant(name),
    registered: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
    capabilities: fc.constantFrom(SANDBOX_CAPABILITIES, { ...SANDBOX_CAPABILITIES, partialRefund: false }),
    holdsMethod: fc.constantFrom(null, true, false),
    successRate: fc.double({ min: 0, max: 1, noNaN: true }),
    observations: fc.double({ min: 0, max: 1e4, noNaN: true }),
    breakerOpen: fc.boolean(),
  }) as fc.Arbitrary<ProviderFacts>;

const world = fc
  .integer({ min: 1, max: 8 })
  .chain((count) => fc.tuple(...NAMES.slice(0, count).map(provider)))
  .chain((providers) => {
    const names = providers.map((p) => p.name);
    const rule = fc.record(
      {
        name: fc.constant("r"),
        countries: fc.subarray(COUNTRIES, { minLength: 1 }),
        currencies: fc.subarray(["EUR", "USD", "TRY"], { minLength: 1 }),
        min_amount: fc.integer({ min: 0, max: 5000 }),
        providers: fc.subarray(names, { minLength: 1 }),
      },
      { requiredKeys: ["name", "providers"] },
    );
    const fee = fc.record(
      {
        provider: fc.constantFrom(...names),
        currency: fc.constantFrom("EUR", "USD"),
        percent_bps: fc.integer({ min: 0, max: 500 }),
        fixed: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: ["provider", "percent_bps", "fixed"] },
    );
    return fc.record({
      providers: fc.constant(providers),
      settings: fc
        .record({
          rules: fc.array(rule, { maxLength: 3 }),
          fees: fc.array(fee, { maxLength: 10 }),
          geography: fc.array(
            fc.record({
              countries: fc.subarray(COUNTRIES, { minLength: 1 }),
              providers: fc.subarray(names, { minLength: 1 }),
            }),
            { maxLength: 2 },
          ),
          required_features: fc.subarray(["partial_refund", "void"] as const),
        })
        // Rule names are unique, so the decision's rule name says which one matched.
        .map((s) => PaymentRoutingSettings.parse({ ...s, rules: s.rules.map((r, i) => ({ ...r, name: `r${i}` })) })),
      inputs: fc.record({
        country: fc.constantFrom(null, ...COUNTRIES),
        currency: fc.constantFrom("EUR", "USD", "TRY"),
        amount: fc.integer({ min: 0, max: 10_000 }),
        methodType: fc.constant("card" as const),
        channel: fc.constantFrom("ecommerce" as const, "recurring" as const),
      }),
    });
  });

describe("routing decision properties", () => {
  it("the chosen PSP is always an eligible candidate of the matching rule; excluded ones are never tried", () => {
    fc.assert(
      fc.property(world, ({ providers, settings, inputs }) => {
        const d = decideRoute({ inputs, providers, settings, decidedAt: "2026-12-04T00:00:00.000Z" });
        const order = failoverOrder(d);
        const rule = settings.rules.find((r) => d.rule === r.name);
        const allowed = new Set(rule ? rule.providers : providers.map((p) => p.name));
        for (const name of order) expect(allowed.has(name)).toBe(true);
        for (const c of d.candidates) {
          const facts = providers.find((p) => p.name === c.provider)!;
          if (facts.holdsMethod === false) expect(c.eligible).toBe(false);
          if (c.eligible) expect(c.excluded).toBeNull();
        }
        if (d.chosen === null) expect(order).toEqual([]);
        else {
          expect(order[0]).toBe(d.chosen);
          // A closed breaker beats an open one; among equals, the higher score goes first.
          const eligible = d.candidates.filter((c) => c.eligible);
          const open = (name: string) => providers.find((p) => p.name === name)!.breakerOpen;
          for (let i = 1; i < eligible.length; i++) {
            const [a, b] = [eligible[i - 1]!, eligible[i]!];
            if (open(a.provider) === open(b.provider)) expect(a.score!).toBeGreaterThanOrEqual(b.score!);
            else expect(open(a.provider)).toBe(false);
          }
        }
      }),
      { numRuns: 500, ...seed },
    );
  });

  it("lowering one PSP's success rate never wins it the payment; raising it never loses it", () => {
    fc.assert(
      fc.property(world, fc.double({ min: 0, max: 1, noNaN: true }), ({ providers, settings, inputs }, rate) => {
        const base = decideRoute({ inputs, providers, settings, decidedAt: "2026-12-04T00:00:00.000Z" });
        if (!base.chosen) return;
        const changed = providers.map((p) => (p.name === base.chosen ? { ...p, successRate: rate } : p));
        const after = decideRoute({ inputs, providers: changed, settings, decidedAt: "2026-12-04T00:00:00.000Z" });
        const before = providers.find((p) => p.name === base.chosen)!.successRate;
        if (rate >= before) expect(after.chosen).toBe(base.chosen);
      }),
      { numRuns: 500, ...seed },
    );
  });
});
