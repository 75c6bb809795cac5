import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, dialect, type TestContext } from "../../../test/harness.js";
import { withOwnerAccess } from "../../db/access.js";

/*
 * The hash chain on both dialects: a clean chain verifies; an edited, deleted, reordered record or
 * a tail cut after a signed checkpoint is found and located. On Postgres the append-only trigger
 * refuses UPDATE and DELETE first, so the test has to switch it off to tamper.
 */

let ctx: TestContext;

beforeAll(async () => {
  // A checkpoint every 5 records, so short chains have one.
  ctx = await createTestApp({}, { auditCheckpointEvery: 5 });
});
afterAll(() => ctx.close());

/** A tenant whose chain holds at least `n` records: its provisioning plus `n` entitlements. */
async function chainOf(slug: string, n = 8) {
  const tenant = await createTestTenant(ctx, slug);
  for (let i = 0; i < n; i++) {
    const res = await tenant.api("POST", "/v1/entitlements", { key: `flag-${i}`, name: `Flag ${i}`, kind: "flag" });
    expect(res.status).toBe(201);
  }
  await ctx.services.worker.drain();
  const [report] = await ctx.services.audit.verify(tenant.id);
  expect(report).toMatchObject({ tenant_id: tenant.id, ok: true, problems: [] });
  expect(report!.records).toBeGreaterThanOrEqual(n);
  expect(report!.checkpoints).toBeGreaterThanOrEqual(1);
  return tenant;
}

const rowAt = (tenantId: string, seq: number) =>
  ctx.deps.db
    .selectFrom("audit_records")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("seq", "=", seq)
    .executeTakeFirstOrThrow();

/** Runs `change` with the append-only trigger off (Postgres); SQLite has none. */
async function tamper(change: () => Promise<unknown>) {
  if (dialect !== "postgres") return change();
  // As the database's owner would (the app's role has no right to turn a trigger off).
  return withOwnerAccess(async () => {
    await sql`alter table audit_records disable trigger audit_records_append_only`.execute(ctx.deps.db);
    try {
      return await change();
    } finally {
      await sql`alter table audit_records enable trigger audit_records_append_only`.execute(ctx.deps.db);
    }
  });
}

async function firstProblem(tenantId: string) {
  const [report] = await ctx.services.audit.verify(tenantId);
  expect(report!.ok).toBe(false);
  return report!.first_problem!;
}

describe("audit hash chain", () => {
  it("links each record to the one before it, seq 1, 2, 3… per tenant", async () => {
    const tenant = await chainOf("chain-ok", 3);
    const rows = await ctx.deps.db
      .selectFrom("audit_records")
      .select(["seq", "prev_hash", "hash", "kind", "action"])
      .where("tenant_id", "=", tenant.id)
      .orderBy("seq")
      .execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    expect(rows.filter((r) => r.action === "entitlement.created")).toHaveLength(3);
    // Retried consume jobs do not record an event twice.
    await ctx.services.worker.drain();
    const again = await ctx.deps.db
      .selectFrom("audit_records")
      .select("id")
      .where("tenant_id", "=", tenant.id)
      .execute();
    expect(again).toHaveLength(rows.length);
  });

  it("serialises concurrent appends to one tenant's chain (Postgres: several connections at once)", async () => {
    const tenant = await createTestTenant(ctx, "chain-concurrent");
    const scope = { ...tenant.scopes.development!, actor: { type: "system" as const, id: "test" } };
    const before = (await ctx.services.audit.verify(tenant.id))[0]!.last_seq;
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        ctx.deps.db
          .transaction()
          .execute((tx) =>
            ctx.services.audit.record(tx, scope, { kind: "decision", action: "test.concurrent", data: { i } }),
          ),
      ),
    );
    const [report] = await ctx.services.audit.verify(tenant.id);
    expect(report).toMatchObject({ ok: true, last_seq: before + 24, records: before + 24 });
  });

  it("records a decision with its transaction: rolled back together, the chain does not move", async () => {
    const tenant = await createTestTenant(ctx, "chain-rollback");
    const scope = tenant.scopes.development!;
    const before = (await ctx.services.audit.verify(tenant.id))[0]!.last_seq;
    await expect(
      ctx.deps.db.transaction().execute(async (tx) => {
        await ctx.services.audit.record(tx, scope, { kind: "decision", action: "test.rolled_back" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    await ctx.deps.db
      .transaction()
      .execute((tx) => ctx.services.audit.record(tx, scope, { kind: "decision", action: "test.kept" }));
    const rows = await ctx.deps.db
      .selectFrom("audit_records")
      .select(["action", "seq"])
      .where("tenant_id", "=", tenant.id)
      .where("action", "like", "test.%")
      .execute();
    expect(rows.map((r) => [r.action, Number(r.seq)])).toEqual([["test.kept", before + 1]]);
    expect((await ctx.services.audit.verify(tenant.id))[0]).toMatchObject({ ok: true });
  });

  it.runIf(dialect === "postgres")("is append-only on Postgres: UPDATE, DELETE and TRUNCATE are refused", () =>
    // Even the table's owner, who is not fenced by grants or row-level security, is refused.
    withOwnerAccess(async () => {
      const tenant = await chainOf("chain-locked", 2);
      const row = await rowAt(tenant.id, 2);
      await expect(
        ctx.deps.db.updateTable("audit_records").set({ action: "nothing" }).where("id", "=", row.id).execute(),
      ).rejects.toThrow(/append-only/);
      await expect(ctx.deps.db.deleteFrom("audit_records").where("id", "=", row.id).execute()).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`truncate audit_records`.execute(ctx.deps.db)).rejects.toThrow(/append-only/);
      await expect(ctx.deps.db.deleteFrom("audit_checkpoints").execute()).rejects.toThrow(/append-only/);
      // The documented retention path (AUDIT-RETENTION-BYPASS) lets a DELETE through in its own
      // transaction only, and never an UPDATE.
      await expect(
        ctx.deps.db.transaction().execute(async (tx) => {
          await sql`set local tessera.audit_retention = 'on'`.execute(tx);
          await tx.updateTable("audit_records").set({ action: "nothing" }).where("id", "=", row.id).execute();
        }),
      ).rejects.toThrow(/append-only/);
      const deleted = await ctx.deps.db.transaction().execute(async (tx) => {
        await sql`set local tessera.audit_retention = 'on'`.execute(tx);
        return tx.deleteFrom("audit_records").where("id", "=", row.id).executeTakeFirst();
      });
      expect(Number(deleted.numDeletedRows)).toBe(1);
      await expect(ctx.deps.db.deleteFrom("audit_records").where("seq", "=", 1).execute()).rejects.toThrow(
        /append-only/,
      );
    }),
  );

  it("finds an edited record and names it", async () => {
    const tenant = await chainOf("chain-edit");
    const row = await rowAt(tenant.id, 3);
    await tamper(() =>
      ctx.deps.db
        .updateTable("audit_records")
        .set({ action: "entitlement.deleted" })
        .where("id", "=", row.id)
        .execute(),
    );
    expect(await firstProblem(tenant.id)).toMatchObject({ kind: "edited", seq: 3, record_id: row.id });
  });

  it("finds a deleted record by the gap it leaves", async () => {
    const tenant = await chainOf("chain-delete");
    const row = await rowAt(tenant.id, 4);
    await tamper(() => ctx.deps.db.deleteFrom("audit_records").where("id", "=", row.id).execute());
    const problem = await firstProblem(tenant.id);
    expect(problem).toMatchObject({ kind: "missing", seq: 4 });
    expect(problem.message).toContain("missing");
  });

  it("finds two records swapped", async () => {
    const tenant = await chainOf("chain-swap");
    const [a, b] = [await rowAt(tenant.id, 2), await rowAt(tenant.id, 3)];
    await tamper(async () => {
      const set = (id: string, seq: number) =>
        ctx.deps.db.updateTable("audit_records").set({ seq }).where("id", "=", id).execute();
      await set(a.id, -1);
      await set(b.id, 2);
      await set(a.id, 3);
    });
    const [report] = await ctx.services.audit.verify(tenant.id);
    expect(report!.first_problem).toMatchObject({ kind: "reordered", seq: 2, record_id: b.id });
    expect(report!.problems).toContainEqual(expect.objectContaining({ kind: "reordered", seq: 3, record_id: a.id }));
  });

  it("finds a tail cut after a signed checkpoint, even with the head moved back to match", async () => {
    const tenant = await chainOf("chain-truncate");
    const checkpoints = await ctx.deps.db
      .selectFrom("audit_checkpoints")
      .select("seq")
      .where("tenant_id", "=", tenant.id)
      .execute();
    expect(checkpoints.map((c) => Number(c.seq))).toContain(5);
    const keep = await rowAt(tenant.id, 3);
    await tamper(async () => {
      await ctx.deps.db.deleteFrom("audit_records").where("tenant_id", "=", tenant.id).where("seq", ">", 3).execute();
      await ctx.deps.db
        .updateTable("audit_chain_heads")
        .set({ seq: 3, hash: keep.hash })
        .where("tenant_id", "=", tenant.id)
        .execute();
    });
    const problem = await firstProblem(tenant.id);
    expect(problem).toMatchObject({ kind: "truncated", seq: 4 });
    expect(problem.message).toContain("checkpoint covers seq 5");
  });

  it("refuses a checkpoint whose signature does not verify", async () => {
    const tenant = await chainOf("chain-forged", 3);
    await ctx.services.audit.checkpoint(tenant.id);
    const change = async () => {
      if (dialect === "postgres")
        await withOwnerAccess(() =>
          sql`alter table audit_checkpoints disable trigger audit_checkpoints_append_only`.execute(ctx.deps.db),
        );
      await ctx.deps.db
        .updateTable("audit_checkpoints")
        .set({ signature: Buffer.alloc(64, 1).toString("base64url") })
        .where("tenant_id", "=", tenant.id)
        .execute();
      if (dialect === "postgres")
        await withOwnerAccess(() =>
          sql`alter table audit_checkpoints enable trigger audit_checkpoints_append_only`.execute(ctx.deps.db),
        );
    };
    await change();
    expect((await firstProblem(tenant.id)).kind).toBe("bad_checkpoint");
  });

  it("appends one change's entries in order under one lock, across a checkpoint, and they verify", async () => {
    const tenant = await chainOf("chain-batch", 2);
    const scope = tenant.scopes.development!;
    const before = await ctx.deps.db
      .selectFrom("audit_records")
      .select((eb) => eb.fn.max("seq").as("seq"))
      .where("tenant_id", "=", tenant.id)
      .executeTakeFirstOrThrow();
    // Seven entries cross a multiple of 5: that record is checkpointed in the same transaction.
    const entries = Array.from({ length: 7 }, (_, i) => ({
      kind: "decision" as const,
      action: `batch.step_${i}`,
      object: { id: `obj_${i}`, object: "thing" },
      data: { i, note: i % 2 ? null : "even" },
    }));
    await ctx.deps.db.transaction().execute((tx) => ctx.services.audit.recordAll(tx, scope, entries));
    const rows = await ctx.deps.db
      .selectFrom("audit_records")
      .selectAll()
      .where("tenant_id", "=", tenant.id)
      .where("seq", ">", Number(before.seq))
      .orderBy("seq")
      .execute();
    expect(rows.map((r) => r.action)).toEqual(entries.map((e) => e.action));
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => Number(before.seq) + i + 1));
    const [report] = await ctx.services.audit.verify(tenant.id);
    expect(report).toMatchObject({ ok: true, problems: [] });
    const last = rows.at(-1)!;
    const head = await ctx.deps.db
      .selectFrom("audit_chain_heads")
      .selectAll()
      .where("tenant_id", "=", tenant.id)
      .executeTakeFirstOrThrow();
    expect([Number(head.seq), head.hash]).toEqual([Number(last.seq), last.hash]);
    const signed = await ctx.deps.db
      .selectFrom("audit_checkpoints")
      .select("seq")
      .where("tenant_id", "=", tenant.id)
      .execute();
    expect(signed.map((c) => Number(c.seq))).toContain(Math.ceil((Number(before.seq) + 1) / 5) * 5);
  });

  it("keeps tenants' chains apart: tampering with others leaves a chain valid", async () => {
    const untouched = await ctx.services.tenancy.find("chain-ok");
    const reports = await ctx.services.audit.verify();
    expect(reports.find((r) => r.tenant_id === untouched!.id)).toMatchObject({ ok: true });
    const tampered = await ctx.services.tenancy.find("chain-edit");
    expect(reports.find((r) => r.tenant_id === tampered!.id)).toMatchObject({ ok: false });
  });
});
