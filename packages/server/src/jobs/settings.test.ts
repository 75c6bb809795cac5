import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { parseTypeLimits, workerConcurrency, workerTuning } from "./settings.js";

describe("worker settings from the config", () => {
  const config = (env: Record<string, string>) => loadConfig({ TESSERA_MASTER_KEY: "k".repeat(44), ...env });

  it("runs 32 jobs at once on SQLite, 8 on Postgres (its pool is sized to them), and what is configured on either", () => {
    expect(workerConcurrency(config({ DATABASE_URL: "sqlite:data/t.db" }))).toBe(32);
    expect(workerConcurrency(config({ DATABASE_URL: "postgres://u@localhost/t" }))).toBe(8);
    expect(
      workerConcurrency(config({ DATABASE_URL: "postgres://u@localhost/t", TESSERA_WORKER_CONCURRENCY: "40" })),
    ).toBe(40);
    expect(workerConcurrency(config({ DATABASE_URL: "sqlite::memory:", TESSERA_WORKER_CONCURRENCY: "2" }))).toBe(2);
    expect(workerTuning(config({ DATABASE_URL: "sqlite::memory:" })).concurrency).toBe(32);
  });

  it("reads per-type caps as type=n pairs and refuses anything else", () => {
    expect(parseTypeLimits(" webhook.deliver=4, psp=2 ")).toEqual({ "webhook.deliver": 4, psp: 2 });
    expect(() => parseTypeLimits("webhook.deliver=0")).toThrow(/type=n/);
  });
});
