import type { AuditRecordRow, Db } from "../../db/types.js";
import { checkpointMessage, GENESIS_HASH, recordHash } from "./canonical.js";
import type { CheckpointKeys } from "./keys.js";
import * as repo from "./repo.js";

export type ProblemKind = "edited" | "reordered" | "missing" | "broken_link" | "truncated" | "bad_checkpoint";

export interface ChainProblem {
  kind: ProblemKind;
  /** Where: the chain position the problem was found at. */
  seq: number;
  record_id: string | null;
  message: string;
}

export interface ChainReport {
  tenant_id: string;
  ok: boolean;
  records: number;
  last_seq: number;
  checkpoints: number;
  /** The first problem in chain order: where to start looking. */
  first_problem: ChainProblem | null;
  problems: ChainProblem[];
}

const BATCH = 1000;

/**
 * Walks one tenant's chain in seq order and checks that: seqs run 1, 2, 3… without gaps (a gap is
 * a deletion); each record's hash matches its contents and the previous hash (an edit, or a
 * record moved to another position); each signed checkpoint verifies with a key sealed under the
 * master key and names a record that is there with that hash (a tail cut after a checkpoint).
 */
export async function verifyChain(
  db: Db,
  keys: CheckpointKeys,
  tenantId: string,
  headSeq: number,
): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  const checkpoints = await repo.listCheckpoints(db, tenantId);
  // Only the hashes checkpoints signed are kept, and the links: the records themselves stream by.
  const signed = new Set(checkpoints.map((c) => Number(c.seq)));
  const hashAt = new Map<number, string>();
  const writtenAt = positionsByLinks(await allLinks(db, tenantId));
  let expected = 1;
  let prevHash = GENESIS_HASH;
  let records = 0;
  let after = 0;
  for (;;) {
    const batch = await repo.listChain(db, tenantId, after, BATCH);
    for (const row of batch) check(row);
    if (batch.length < BATCH) break;
    after = Number(batch.at(-1)!.seq);
  }

  function check(row: AuditRecordRow) {
    const seq = Number(row.seq);
    records++;
    if (seq !== expected) {
      problems.push({
        kind: "missing",
        seq: expected,
        record_id: null,
        message: `records ${expected}…${seq - 1} are missing (deleted) before ${row.id}`,
      });
    }
    const computed = recordHash(row);
    if (computed !== row.hash) {
      // Contents that hash right at the position the links give them were moved, not edited.
      const original = writtenAt.get(row.id);
      const moved = original !== undefined && original !== seq && recordHash({ ...row, seq: original }) === row.hash;
      problems.push({
        kind: moved ? "reordered" : "edited",
        seq,
        record_id: row.id,
        message: moved
          ? `record ${row.id} sits at seq ${seq} but was written at seq ${original} (records were reordered)`
          : `record ${row.id} at seq ${seq} does not match its hash (its contents were changed)`,
      });
    } else if (row.prev_hash !== prevHash && seq === expected) {
      problems.push({
        kind: "broken_link",
        seq,
        record_id: row.id,
        message: `record ${row.id} at seq ${seq} does not follow the record before it`,
      });
    }
    if (signed.has(seq)) hashAt.set(seq, row.hash);
    prevHash = row.hash;
    expected = seq + 1;
  }
  const lastSeq = expected - 1;
  // The head is not signed, but a head past the last record is a cut tail all the same.
  if (headSeq > lastSeq) {
    problems.push({
      kind: "truncated",
      seq: lastSeq + 1,
      record_id: null,
      message: `the chain head is at seq ${headSeq}, but the chain ends at seq ${lastSeq}: records were cut off`,
    });
  }

  for (const cp of checkpoints) {
    const seq = Number(cp.seq);
    const valid = await keys.verify(db, cp.key_id, checkpointMessage(tenantId, seq, cp.hash), cp.signature);
    if (valid !== true) {
      problems.push({
        kind: "bad_checkpoint",
        seq,
        record_id: null,
        message:
          valid === null
            ? `checkpoint at seq ${seq} names key ${cp.key_id}, which is not a key sealed with this master key`
            : `checkpoint at seq ${seq} has an invalid signature`,
      });
    } else if (seq > lastSeq) {
      problems.push({
        kind: "truncated",
        seq: lastSeq + 1,
        record_id: null,
        message: `a signed checkpoint covers seq ${seq}, but the chain ends at seq ${lastSeq}: records were cut off`,
      });
    } else if (hashAt.get(seq) !== cp.hash) {
      problems.push({
        kind: "edited",
        seq,
        record_id: null,
        message: `the record at seq ${seq} is not the one the checkpoint signed`,
      });
    }
  }
  problems.sort((a, b) => a.seq - b.seq);
  return {
    tenant_id: tenantId,
    ok: problems.length === 0,
    records,
    last_seq: lastSeq,
    checkpoints: checkpoints.length,
    first_problem: problems[0] ?? null,
    problems,
  };
}

async function allLinks(db: Db, tenantId: string): Promise<repo.ChainLink[]> {
  const links: repo.ChainLink[] = [];
  for (let after = 0; ; ) {
    const batch = await repo.listChainLinks(db, tenantId, after, BATCH * 10);
    links.push(...batch);
    if (batch.length < BATCH * 10) return links;
    after = Number(batch.at(-1)!.seq);
  }
}

/** Where each record was written, by following the prev_hash links from the genesis hash. */
function positionsByLinks(rows: repo.ChainLink[]): Map<string, number> {
  const byPrev = new Map(rows.map((r) => [r.prev_hash, r]));
  const positions = new Map<string, number>();
  let hash = GENESIS_HASH;
  for (let position = 1; ; position++) {
    const next = byPrev.get(hash);
    if (!next || positions.has(next.id)) break;
    positions.set(next.id, position);
    hash = next.hash;
  }
  return positions;
}
