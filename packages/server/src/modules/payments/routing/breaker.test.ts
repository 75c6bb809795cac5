import { describe, expect, it } from "vitest";
import { BASE_OPEN_MS, CircuitBreakers, FAILURE_THRESHOLD, MAX_OPEN_MS, PROBE_TIMEOUT_MS } from "./breaker.js";

describe("circuit breaker", () => {
  it("opens after consecutive outages, lets one probe through when half-open, and recovers", () => {
    const b = new CircuitBreakers();
    let now = 1_000_000;
    for (let i = 0; i < FAILURE_THRESHOLD - 1; i++) b.failure("sf:psp", now);
    expect(b.state("sf:psp", now)).toBe("closed");
    b.failure("sf:psp", now);
    expect(b.state("sf:psp", now)).toBe("open");
    expect(b.demoted("sf:psp", now)).toBe(true);
    now += BASE_OPEN_MS;
    expect(b.state("sf:psp", now)).toBe("half_open");
    expect(b.demoted("sf:psp", now)).toBe(false);
    b.beforeCall("sf:psp", now);
    // One probe at a time: the next payment goes elsewhere until the probe answers.
    expect(b.demoted("sf:psp", now)).toBe(true);
    // A probe that never answers frees the breaker for another after a while.
    expect(b.demoted("sf:psp", now + PROBE_TIMEOUT_MS)).toBe(false);
    b.success("sf:psp");
    expect(b.state("sf:psp", now)).toBe("closed");
    expect(b.demoted("sf:psp", now)).toBe(false);
  });

  it("a failed probe opens it again for twice as long, up to a cap; a success in between resets the count", () => {
    const b = new CircuitBreakers();
    let now = 0;
    for (let i = 0; i < FAILURE_THRESHOLD; i++) b.failure("k", now);
    let open = BASE_OPEN_MS;
    for (let round = 0; round < 8; round++) {
      now += open;
      expect(b.state("k", now)).toBe("half_open");
      b.beforeCall("k", now);
      b.failure("k", now);
      open = Math.min(open * 2, MAX_OPEN_MS);
      expect(b.state("k", now + open - 1)).toBe("open");
    }
    expect(open).toBe(MAX_OPEN_MS);

    const c = new CircuitBreakers();
    for (let i = 0; i < FAILURE_THRESHOLD - 1; i++) c.failure("k", 0);
    c.success("k");
    c.failure("k", 0);
    expect(c.state("k", 0)).toBe("closed");
    // Breakers are per key (storefront × PSP).
    expect(b.state("other", now)).toBe("closed");
  });
});
