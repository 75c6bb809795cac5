import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRuntime } from "../../src/runtime.js";
import { createServices } from "../../src/services.js";
import { tessera, tesseraJson } from "./cli.js";

/*
 * `tessera audit verify` in its own process over a SQLite file: a clean trail verifies (exit 0);
 * after a record is edited in the file, it exits 1 and names the record and its position.
 */

const dir = mkdtempSync(join(tmpdir(), "tessera-audit-e2e-"));
const env = {
  DATABASE_URL: `sqlite:${join(dir, "tessera.db")}`,
  TESSERA_MASTER_KEY: "audit-e2e-master-key-audit-e2e-master-key",
};

/** Runs the worker in this process until the events reached the audit consumer. */
async function drainWorker() {
  const runtime = await openRuntime({ env, migrate: true, logger: pino({ level: "silent" }) });
  try {
    const services = createServices(runtime.deps);
    await services.worker.drain();
    return services;
  } finally {
    await runtime.database.close();
  }
}

beforeAll(async () => {
  tesseraJson(["tenant", "create", "shop"], env);
  tesseraJson(["tenant", "create", "other"], env);
  await drainWorker();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tessera audit verify", () => {
  it("passes on an untouched trail, after a checkpoint too", () => {
    expect(tessera(["audit", "checkpoint"], env)).toMatchObject({ status: 0, stdout: "signed 2 checkpoints\n" });
    const report = tesseraJson(["audit", "verify"], env);
    expect(report.ok).toBe(true);
    expect(report.tenants).toHaveLength(2);
    for (const t of report.tenants) expect(t).toMatchObject({ ok: true, checkpoints: 1 });
    expect(report.tenants[0].records).toBeGreaterThan(0);
  });

  it("exits 1 and names the first bad record once a record was edited", async () => {
    const runtime = await openRuntime({ env, logger: pino({ level: "silent" }) });
    let tampered: { id: string; seq: number };
    try {
      const shop = await runtime.deps.db
        .selectFrom("tenants")
        .select("id")
        .where("slug", "=", "shop")
        .executeTakeFirstOrThrow();
      const row = await runtime.deps.db
        .selectFrom("audit_records")
        .select(["id", "seq"])
        .where("tenant_id", "=", shop.id)
        .where("seq", "=", 2)
        .executeTakeFirstOrThrow();
      tampered = { id: row.id, seq: Number(row.seq) };
      // What the CLI changed is recorded with the CLI as its actor.
      const actors = await runtime.deps.db
        .selectFrom("audit_records")
        .select("actor")
        .where("tenant_id", "=", shop.id)
        .execute();
      expect(actors.length).toBeGreaterThan(0);
      for (const { actor } of actors)
        expect(JSON.parse(actor!)).toEqual({ type: "system", id: "cli", label: "tessera tenant create" });
      await runtime.deps.db.updateTable("audit_records").set({ action: "forged" }).where("id", "=", row.id).execute();
    } finally {
      await runtime.database.close();
    }

    const text = tessera(["audit", "verify"], env);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`TAMPERED: record ${tampered.id} at seq 2`);

    const json = tessera(["audit", "verify", "--tenant", "shop", "--json"], env);
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.tenants).toHaveLength(1);
    expect(report.tenants[0].first_problem).toMatchObject({ kind: "edited", seq: 2, record_id: tampered.id });

    // The other tenant's chain is untouched.
    expect(tessera(["audit", "verify", "--tenant", "other"], env).status).toBe(0);
    expect(tessera(["audit", "verify", "--tenant", "nobody"], env)).toMatchObject({ status: 1 });
  });
});
