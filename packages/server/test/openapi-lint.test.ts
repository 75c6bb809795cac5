import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestContext } from "./harness.js";

/*
 * The OpenAPI document as outsiders read it: Redocly's recommended ruleset over the live
 * /openapi.json, and one operationId per operation. A route added without an operationId fails
 * here by name, not at compile time.
 */

const run = promisify(execFile);
const redocly = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

type Operation = { operationId?: string };

describe("the OpenAPI document", () => {
  let ctx: TestContext;
  let doc: { paths: Record<string, Record<string, Operation>>; servers?: Array<{ url: string }> };
  let dir: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    doc = await (await ctx.app.request("/openapi.json")).json();
    dir = mkdtempSync(join(tmpdir(), "tessera-openapi-"));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.close();
  });

  it("names every operation with a unique operationId", () => {
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ at: `${method} ${path}`, id: op.operationId })),
    );
    expect(ops.length).toBeGreaterThan(60);
    const missing = ops.filter((op) => !op.id).map((op) => op.at);
    expect(
      missing,
      "give these operations an operationId: `operationId` in the route, or an entry in src/modules/docs/operation-ids.ts",
    ).toEqual([]);
    const ids = ops.map((op) => op.id);
    expect(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      "operationIds must be unique",
    ).toEqual([]);
  });

  it("names the server it is served by", () => {
    expect(doc.servers).toEqual([{ url: "http://tessera.test", description: "This Tessera server" }]);
  });

  it("passes Redocly's recommended ruleset without errors or warnings", async () => {
    const file = join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(doc));
    writeFileSync(join(dir, "redocly.yaml"), "extends:\n  - recommended\n");
    const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };
    // Redocly exits 1 when it finds an error; the report on stdout says which.
    const { stdout } = await run(
      process.execPath,
      [redocly, "lint", file, "--format=json", "--config", join(dir, "redocly.yaml")],
      { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(stdout) as LintReport;
    const found = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(found.filter((p) => p.startsWith("error"))).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(found).toEqual([]);
  });
});
