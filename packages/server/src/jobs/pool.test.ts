import { describe, expect, it } from "vitest";
import type { JobRow } from "../db/types.js";
import { Pool } from "./pool.js";
import { defaultTargetKindLimits } from "./worker.js";

function job(id: string, target: string | null): JobRow {
  return { id, type: "t", target, tenant_id: "ten_1" } as JobRow;
}

/** Starts every ready job that fits; the jobs never finish, so the counts are what a hang holds. */
function fill(pool: Pool<null>, jobs: JobRow[]): string[] {
  for (const j of jobs) pool.add(j, null);
  const started: string[] = [];
  pool.startReady(async ({ job }) => {
    started.push(job.id);
    await new Promise(() => {});
  });
  return started;
}

describe("target caps per kind", () => {
  it("lets one PSP use three quarters of the worker and one webhook endpoint the general cap", () => {
    const limits = defaultTargetKindLimits(64);
    expect(limits).toEqual({ psp: 48, channel: 32 });
    const pool = new Pool<null>({ concurrency: 64, perType: {}, perTarget: 4, perTenant: 64, perTargetKind: limits });
    const psp = Array.from({ length: 60 }, (_, i) => job(`p${i}`, "psp:sf_1:stripe"));
    const hooks = Array.from({ length: 10 }, (_, i) => job(`w${i}`, "webhook:we_1"));
    const other = Array.from({ length: 10 }, (_, i) => job(`o${i}`, null));
    const started = fill(pool, [...psp, ...hooks, ...other]);
    expect(started.filter((id) => id.startsWith("p"))).toHaveLength(48);
    expect(started.filter((id) => id.startsWith("w"))).toHaveLength(4);
    // What the hanging PSP and endpoint leave is free for work without a target.
    expect(started.filter((id) => id.startsWith("o"))).toHaveLength(10);
    expect(pool.saturated().targets.sort()).toEqual(["psp:sf_1:stripe", "webhook:we_1"]);
  });

  it("takes a configured kind over the default, and the general cap for kinds it does not know", () => {
    const pool = new Pool<null>({ concurrency: 8, perType: {}, perTarget: 3, perTenant: 8, perTargetKind: { psp: 2 } });
    expect(pool.targetCap("psp:sf_1:adyen")).toBe(2);
    expect(pool.targetCap("channel:play_store:sf_1")).toBe(3);
    expect(pool.targetCap("nokind")).toBe(3);
  });
});
