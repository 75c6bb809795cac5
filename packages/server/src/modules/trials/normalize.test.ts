import { describe, expect, it } from "vitest";
import { normalizeEmail, normalizeMsisdn } from "./normalize.js";

describe("identity normalization", () => {
  it("folds case, and +tags and dots where the provider ignores them", () => {
    expect(normalizeEmail("Jane.Doe+trial2@GMail.com")).toBe("janedoe@gmail.com");
    expect(normalizeEmail("j.a.n.e.doe@googlemail.com")).toBe("janedoe@gmail.com");
    expect(normalizeEmail("jane+x@outlook.com")).toBe("jane@outlook.com");
    // Dots matter at most providers, and +tags at those without plus addressing.
    expect(normalizeEmail("jane.doe@outlook.com")).toBe("jane.doe@outlook.com");
    expect(normalizeEmail("Jane+x@Example.org")).toBe("jane+x@example.org");
  });

  it("keeps the digits of a number", () => {
    expect(normalizeMsisdn("+49 170 1234567")).toBe("491701234567");
    expect(normalizeMsisdn("0049-170-1234567")).toBe("491701234567");
  });
});
