import type { Deps } from "../../context.js";
import type { AuditRecordRow, Db } from "../../db/types.js";
import { newId } from "../../lib/ids.js";
import { checkpointMessage, recordHash } from "./canonical.js";
import type { CheckpointKeys } from "./keys.js";
import * as repo from "./repo.js";

export type NewRecord = Omit<AuditRecordRow, "id" | "seq" | "prev_hash" | "hash" | "recorded_at">;

/** Records per tenant between two checkpoints made by appends themselves. */
export const DEFAULT_CHECKPOINT_EVERY = 100;

/**
 * Appends to a tenant's hash chain inside the caller's transaction: lock the head, link the
 * record to it, move the head. Every `checkpointEvery` records the head is signed too, in the
 * same transaction, so a checkpoint never names a record that did not commit.
 */
export function auditChain(deps: Deps, keys: CheckpointKeys, checkpointEvery = DEFAULT_CHECKPOINT_EVERY) {
  async function signHead(tx: Db, tenantId: string, seq: number, hash: string, now: string): Promise<void> {
    const key = await keys.signingKey(tx);
    await repo.insertCheckpoint(tx, {
      id: newId("audit_checkpoint"),
      tenant_id: tenantId,
      seq,
      hash,
      key_id: key.id,
      signature: keys.sign(key, checkpointMessage(tenantId, seq, hash)),
      created_at: now,
    });
  }

  async function appendAll(tx: Db, tenantId: string, build: () => Promise<NewRecord[]>): Promise<AuditRecordRow[]> {
    const now = deps.clock.now().toISOString();
    const head = await repo.lockChainHead(tx, deps.dialect, tenantId, now);
    const entries = await build();
    if (entries.length === 0) return [];
    let { seq, hash } = head;
    const rows: AuditRecordRow[] = [];
    for (const entry of entries) {
      const unhashed = { ...entry, id: newId("audit_record"), seq: seq + 1, prev_hash: hash, recorded_at: now };
      const row: AuditRecordRow = { ...unhashed, hash: recordHash(unhashed) };
      ({ seq, hash } = row);
      rows.push(row);
    }
    await repo.insertRecords(tx, rows);
    // Signed after the records are written, in the same transaction: a checkpoint never names a record that did not commit.
    for (const row of rows) {
      if (row.seq % checkpointEvery === 0) await signHead(tx, tenantId, row.seq, row.hash, now);
    }
    await repo.advanceChainHead(tx, tenantId, seq, hash, now);
    return rows;
  }

  return {
    /**
     * Appends the record `build` makes under the lock (so what it reads, such as whether an event
     * is recorded already, cannot change before the append); nothing when it returns undefined.
     */
    async append(
      tx: Db,
      tenantId: string,
      build: () => Promise<NewRecord | undefined>,
    ): Promise<AuditRecordRow | undefined> {
      const [row] = await appendAll(tx, tenantId, async () => {
        const entry = await build();
        return entry ? [entry] : [];
      });
      return row;
    },

    /** Appends several records in order under one lock of the head (one change's decisions and outcome). */
    appendAll,

    /** Signs the tenant's current head (the periodic job, or on demand); nothing when the chain is empty. */
    async checkpoint(tenantId: string): Promise<{ seq: number; hash: string } | undefined> {
      return deps.db.transaction().execute(async (tx) => {
        const now = deps.clock.now().toISOString();
        const head = await repo.lockChainHead(tx, deps.dialect, tenantId, now);
        if (head.seq === 0) return undefined;
        await signHead(tx, tenantId, head.seq, head.hash, now);
        return head;
      });
    },
  };
}

export type AuditChain = ReturnType<typeof auditChain>;
