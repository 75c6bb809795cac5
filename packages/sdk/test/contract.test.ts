import * as core from "@tessera/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { claimsProblem } from "../src/claims.js";
import * as constants from "../src/constants.js";
import { claimsFor, nowSeconds } from "./support/tokens.js";

// The SDK carries runtime copies of core's token contract so that zod stays out of app bundles.
// These tests are what keeps the copies honest.
describe("the SDK's copy of the token contract", () => {
  it("has core's constants", () => {
    expect(constants.TOKEN_TYP).toBe(core.TOKEN_TYP);
    expect(constants.TOKEN_ALGORITHMS).toEqual(core.TOKEN_ALGORITHMS);
    expect(constants.TOKEN_MAX_BYTES).toBe(core.TOKEN_MAX_BYTES);
    expect(constants.CLAIMS_VERSION).toBe(core.CLAIMS_VERSION);
    expect(constants.problemType("TOKEN_EXPIRED")).toBe(core.problemType("TOKEN_EXPIRED"));
  });

  it("accepts what core's zod schema accepts, and refuses what it refuses", () => {
    const valid = claimsFor(nowSeconds());
    expect(core.EntitlementClaims.safeParse(valid).success).toBe(true);
    expect(claimsProblem(valid)).toBeUndefined();

    const mutations: Array<[string, unknown]> = [
      ["sub", 42],
      ["tn_slug", undefined],
      ["exp", 1.5],
      ["iat", -1],
      ["ent", []],
      ["ent", { a: false }],
      ["ent", { a: { level: "x" } }],
      ["ent", { a: { level: "x", rank: -1 } }],
      ["ent", { a: { limit: 1, used: 0, remaining: 1, resets_at: 1, period: "fortnight" } }],
      ["ent", { a: { limit: 1, used: 0, resets_at: 1, period: "day" } }],
      ["ent", { a: { ids: [1] } }],
      ["ent", { a: { something: "else" } }],
      ["subs", {}],
      ["subs", [{ id: "s", bundle: "b", status: "paused", current_period_end: 1 }]],
      ["subs", [{ id: "s", bundle: "b", status: "active" }]],
    ];
    for (const [field, value] of mutations) {
      const sample = { ...valid, [field]: value };
      const zodSays = core.EntitlementClaims.safeParse(sample).success;
      expect({ field, value, valid: claimsProblem(sample) === undefined }).toEqual({ field, value, valid: zodSays });
      expect(zodSays).toBe(false);
    }
  });

  it("agrees with core's schema on generated entitlement values", () => {
    const value = fc.oneof(
      fc.constant(true),
      fc.boolean(),
      fc.record({ level: fc.string(), rank: fc.integer({ min: -2, max: 5 }) }),
      fc.record(
        {
          limit: fc.integer({ min: -1, max: 10 }),
          used: fc.nat(),
          remaining: fc.nat(),
          resets_at: fc.nat(),
          period: fc.constantFrom("day", "week", "month", "year", "hour"),
        },
        { requiredKeys: ["limit"] },
      ),
      fc.record({ ids: fc.array(fc.oneof(fc.string(), fc.integer())) }),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z-]{1,8}$/), value), (ent) => {
        const sample = { ...claimsFor(1_700_000_000), ent };
        expect(claimsProblem(sample) === undefined).toBe(core.EntitlementClaims.safeParse(sample).success);
      }),
    );
  });
});
