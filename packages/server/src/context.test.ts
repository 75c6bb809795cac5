import pino from "pino";
import { describe, expect, it } from "vitest";
import { loggerAt, type Scope, withCorrelation, withLazyLogger } from "./context.js";
import { systemClock } from "./lib/clock.js";

describe("scopes with a logger built on first use", () => {
  const base: Scope = {
    tenantId: "t",
    tenantSlug: "acme",
    environmentId: "e",
    environment: "live",
    clock: systemClock,
  };

  it("builds the job's logger only when a line is logged, once, with the job's bindings", () => {
    const root = pino({ level: "silent" });
    let built = 0;
    const job = withLazyLogger(base, { correlationId: "job_1" }, () => {
      built++;
      return root.child({ job_id: "job_1", correlation_id: "job_1" });
    });
    const renewal = withCorrelation({ logger: root }, job, "job_2");
    expect(built).toBe(0);
    expect(renewal).toMatchObject({ tenantId: "t", environment: "live", correlationId: "job_2" });
    expect(job.correlationId).toBe("job_1");
    // The rebound logger keeps the job's bindings and says the new correlation.
    expect(renewal.logger!.bindings()).toEqual({ job_id: "job_1", correlation_id: "job_2" });
    expect(built).toBe(1);
    expect(job.logger).toBe(job.logger);
    expect(built).toBe(1);
    // A spread copies the built logger: what a copy logs carries the same bindings.
    expect({ ...renewal }.logger!.bindings()).toEqual({ job_id: "job_1", correlation_id: "job_2" });
  });

  it("builds it for a line only when that line's level is written", () => {
    let built = 0;
    const scopeOf = (root: pino.Logger) =>
      withLazyLogger(base, {}, () => {
        built++;
        return root.child({ job_id: "job_1" });
      });
    const quiet = pino({ level: "warn" });
    expect(loggerAt({ logger: quiet }, scopeOf(quiet), "info")).toBeUndefined();
    expect(built).toBe(0);
    const chatty = pino({ level: "info" }, { write: () => {} });
    expect(loggerAt({ logger: chatty }, scopeOf(chatty), "info")!.bindings()).toEqual({ job_id: "job_1" });
    expect(built).toBe(1);
  });
});
