import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addInterval, addIsoDuration, addMonths } from "./time.js";

describe("period arithmetic", () => {
  it("clamps to month end and does not drift", () => {
    const anchor = new Date("2026-01-31T10:00:00Z");
    expect(addInterval(anchor, "month", 1).toISOString()).toBe("2026-02-28T10:00:00.000Z");
    expect(addInterval(anchor, "month", 2).toISOString()).toBe("2026-03-31T10:00:00.000Z");
    expect(addInterval(new Date("2028-02-29T00:00:00Z"), "year", 1).toISOString()).toBe("2029-02-28T00:00:00.000Z");
    expect(addInterval(anchor, "week", 2).toISOString()).toBe("2026-02-14T10:00:00.000Z");
  });

  it("parses ISO durations", () => {
    const t = new Date("2026-01-01T00:00:00Z");
    expect(addIsoDuration(t, "P8D").toISOString()).toBe("2026-01-09T00:00:00.000Z");
    expect(addIsoDuration(t, "P1Y2M3DT4H5M6S").toISOString()).toBe("2027-03-04T04:05:06.000Z");
    expect(addIsoDuration(t, "PT36H").toISOString()).toBe("2026-01-02T12:00:00.000Z");
    expect(() => addIsoDuration(t, "P")).toThrow();
    expect(() => addIsoDuration(t, "8 days")).toThrow();
  });

  it("period ends are strictly increasing from any anchor", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        fc.constantFrom("day", "week", "month", "year" as const),
        fc.integer({ min: 0, max: 120 }),
        (anchor, interval, n) => addInterval(anchor, interval, n + 1) > addInterval(anchor, interval, n),
      ),
    );
  });

  it("adding months never moves past the target month", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        fc.integer({ min: -24, max: 240 }),
        (d, n) => {
          const r = addMonths(d, n);
          const months = (r.getUTCFullYear() - d.getUTCFullYear()) * 12 + r.getUTCMonth() - d.getUTCMonth();
          return months === n;
        },
      ),
    );
  });
});
