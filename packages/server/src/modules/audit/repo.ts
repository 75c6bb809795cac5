import type { AuditListQuery } from "@tessera/core";
import { sql } from "kysely";
import type { DialectName } from "../../db/connect.js";
import type { AuditCheckpointRow, AuditRecordRow, Db } from "../../db/types.js";
import { paginate } from "../../lib/pagination.js";
import { preparedQuery, preparedShapes } from "../../lib/prepared.js";
import { AUDIT_RECORD_COLUMNS, GENESIS_HASH } from "./canonical.js";

type EnvScope = { tenantId: string; environmentId: string };

const selectHead = preparedQuery(["tenant"], (db: Db, p) =>
  db.selectFrom("audit_chain_heads").select(["seq", "hash"]).where("tenant_id", "=", p.tenant),
);
const selectHeadForUpdate = preparedQuery(["tenant"], (db: Db, p) =>
  db.selectFrom("audit_chain_heads").select(["seq", "hash"]).where("tenant_id", "=", p.tenant).forUpdate(),
);
const insertHead = preparedQuery(["tenant", "hash", "now"], (db: Db, p) =>
  db
    .insertInto("audit_chain_heads")
    .values({ tenant_id: p.tenant, seq: 0, hash: p.hash, updated_at: p.now })
    .onConflict((oc) => oc.column("tenant_id").doNothing()),
);
const updateHead = preparedQuery(["tenant", "seq", "hash", "now"], (db: Db, p) =>
  db
    .updateTable("audit_chain_heads")
    .set({ seq: p.seq as unknown as number, hash: p.hash, updated_at: p.now })
    .where("tenant_id", "=", p.tenant),
);
/** 22 columns × 8 rows stays far below SQLite's and Postgres' limits on bound parameters. */
const MAX_ROWS_PER_INSERT = 8;
/** The placeholder names of row i's columns, made once. */
const SLOT_NAMES = Array.from({ length: MAX_ROWS_PER_INSERT }, (_, i) => AUDIT_RECORD_COLUMNS.map((c) => `${c}${i}`));
/** One INSERT of `count` records (a change's decisions and outcome go in one statement). */
const insertRecordRows = preparedShapes(
  (count: number) => String(count),
  (count: number) =>
    preparedQuery(SLOT_NAMES.slice(0, count).flat(), (db: Db, p) =>
      db
        .insertInto("audit_records")
        .values(
          SLOT_NAMES.slice(0, count).map(
            (names) =>
              Object.fromEntries(
                AUDIT_RECORD_COLUMNS.map((c, j) => [c, (p as Record<string, string>)[names[j] as string]]),
              ) as unknown as AuditRecordRow,
          ),
        ),
    ),
  MAX_ROWS_PER_INSERT,
);

/**
 * The tenant's chain head, locked until the transaction ends: appends to one chain are serialised
 * (Postgres: the row lock; SQLite has one writer). Made on the tenant's first append.
 * (Every renewal appends: the queries are compiled once.)
 */
export async function lockChainHead(
  tx: Db,
  dialect: DialectName,
  tenantId: string,
  now: string,
): Promise<{ seq: number; hash: string }> {
  const select = dialect === "postgres" ? selectHeadForUpdate : selectHead;
  let head = (await select(tx, { tenant: tenantId })).rows[0];
  if (!head) {
    // Two first appends may race: both insert-or-nothing, then both lock the one row.
    await insertHead(tx, { tenant: tenantId, hash: GENESIS_HASH, now });
    head = (await select(tx, { tenant: tenantId })).rows[0];
    if (!head) throw new Error(`audit chain head of ${tenantId} vanished`);
  }
  return { seq: Number(head.seq), hash: head.hash };
}

export async function advanceChainHead(tx: Db, tenantId: string, seq: number, hash: string, now: string) {
  await updateHead(tx, { tenant: tenantId, seq, hash, now });
}

/** Inserts records in one statement (a few at a time, the rows of one append). */
export async function insertRecords(tx: Db, rows: AuditRecordRow[]): Promise<void> {
  for (let at = 0; at < rows.length; at += MAX_ROWS_PER_INSERT) {
    const chunk = rows.slice(at, at + MAX_ROWS_PER_INSERT);
    const values: Record<string, unknown> = {};
    chunk.forEach((row, i) => {
      const names = SLOT_NAMES[i] as string[];
      AUDIT_RECORD_COLUMNS.forEach((c, j) => {
        values[names[j] as string] = row[c];
      });
    });
    await insertRecordRows(chunk.length)(tx, values);
  }
}

const selectEventRecord = preparedQuery(["event"], (db: Db, p) =>
  db.selectFrom("audit_records").select("id").where("event_id", "=", p.event).limit(1),
);
/** An object's last recorded snapshot (the audit consumer reads one per event): compiled once. */
const selectLastAfter = preparedQuery(["tenant", "object"], (db: Db, p) =>
  db
    .selectFrom("audit_records")
    .select("after")
    .where("tenant_id", "=", p.tenant)
    .where("object_id", "=", p.object)
    .where("after", "is not", null)
    .orderBy("seq", "desc")
    .limit(1),
);

export async function hasEventRecord(tx: Db, eventId: string): Promise<boolean> {
  return (await selectEventRecord(tx, { event: eventId })).rows.length > 0;
}

/** The last snapshot recorded for an object: the `before` of its next change. */
export async function findLastAfter(tx: Db, tenantId: string, objectId: string): Promise<string | null> {
  return (await selectLastAfter(tx, { tenant: tenantId, object: objectId })).rows[0]?.after ?? null;
}

/** Records of the environment, and the tenant's tenant-wide ones (environment null). */
const visibleIn = (scope: EnvScope) =>
  sql<boolean>`${sql.ref("tenant_id")} = ${scope.tenantId} and (${sql.ref("environment_id")} = ${scope.environmentId} or ${sql.ref("environment_id")} is null)`;

export function pageRecords(db: Db, scope: EnvScope, query: AuditListQuery) {
  let q = db.selectFrom("audit_records").selectAll().where(visibleIn(scope));
  if (query.actor) {
    // `type:id` matches exactly; a bare id matches any actor type.
    const [type, id] = query.actor.includes(":") ? query.actor.split(/:(.*)/s) : [undefined, query.actor];
    q = q.where("actor", "like", `%"id":${JSON.stringify(id)}%`);
    if (type) q = q.where("actor", "like", `%"type":${JSON.stringify(type)}%`);
  }
  if (query.object_id) q = q.where("object_id", "=", query.object_id);
  if (query.object_type) q = q.where("object_type", "=", query.object_type);
  if (query.kind) q = q.where("kind", "=", query.kind);
  if (query.action?.endsWith(".*")) q = q.where("action", "like", `${query.action.slice(0, -1)}%`);
  else if (query.action) q = q.where("action", "=", query.action);
  if (query.from) q = q.where("created_at", ">=", new Date(query.from).toISOString());
  if (query.to) q = q.where("created_at", "<", new Date(query.to).toISOString());
  return paginate(q, "id", query);
}

export function listByCorrelation(db: Db, scope: EnvScope, correlationId: string): Promise<AuditRecordRow[]> {
  return db
    .selectFrom("audit_records")
    .selectAll()
    .where(visibleIn(scope))
    .where("correlation_id", "=", correlationId)
    .orderBy("seq")
    .limit(1000)
    .execute();
}

export function listChainTenants(db: Db): Promise<Array<{ tenant_id: string; seq: number; hash: string }>> {
  return db.selectFrom("audit_chain_heads").select(["tenant_id", "seq", "hash"]).orderBy("tenant_id").execute();
}

/** Every tenant with records or checkpoints: a chain whose head row was deleted is still verified. */
export async function listTenantsWithRecords(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom("audit_records")
    .select("tenant_id")
    .distinct()
    .union(db.selectFrom("audit_checkpoints").select("tenant_id").distinct())
    .execute();
  return rows.map((r) => r.tenant_id);
}

/** One tenant's chain in order, a batch after `afterSeq`. */
export function listChain(db: Db, tenantId: string, afterSeq: number, limit: number): Promise<AuditRecordRow[]> {
  return db
    .selectFrom("audit_records")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
}

export interface ChainLink {
  id: string;
  seq: number;
  prev_hash: string;
  hash: string;
}

/** Only the links of a chain, to find where each record was written (verify.ts). */
export function listChainLinks(db: Db, tenantId: string, afterSeq: number, limit: number): Promise<ChainLink[]> {
  return db
    .selectFrom("audit_records")
    .select(["id", "seq", "prev_hash", "hash"])
    .where("tenant_id", "=", tenantId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
}

export function listCheckpoints(db: Db, tenantId: string): Promise<AuditCheckpointRow[]> {
  return db.selectFrom("audit_checkpoints").selectAll().where("tenant_id", "=", tenantId).orderBy("seq").execute();
}

export async function insertCheckpoint(tx: Db, row: AuditCheckpointRow): Promise<void> {
  await tx
    .insertInto("audit_checkpoints")
    .values(row)
    .onConflict((oc) => oc.columns(["tenant_id", "seq"]).doNothing())
    .execute();
}

export function findKey(db: Db, id: string) {
  return db.selectFrom("audit_keys").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findAnyKey(db: Db) {
  return db.selectFrom("audit_keys").selectAll().orderBy("id").limit(1).executeTakeFirst();
}

export async function insertKey(
  tx: Db,
  row: { id: string; public_key: string; private_key_encrypted: string; created_at: string },
) {
  await tx.insertInto("audit_keys").values(row).execute();
}
