import type { AuditRecordRow } from "../../db/types.js";
import { sha256Hex } from "../../lib/crypto.js";

/** The hash before a tenant's first record. */
export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every depth: one text per value, whatever built it. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * What a record's hash covers: every stored column but the hash itself, as stored (JSON columns
 * are hashed as their text, so verification needs no parse), seq included, so moving a record is
 * an edit too.
 */
export function hashedForm(row: Omit<AuditRecordRow, "hash"> & { hash?: string }): string {
  return flatRecordForm(row) ?? genericForm(row);
}

function genericForm(row: Omit<AuditRecordRow, "hash"> & { hash?: string }): string {
  const { hash: _hash, prev_hash: _prev, ...content } = row;
  return canonicalJson({ ...content, seq: Number(row.seq) });
}

/** Every column of an audit record, in table order (repo.ts inserts them so). */
export const AUDIT_RECORD_COLUMNS = [
  "id",
  "tenant_id",
  "environment_id",
  "seq",
  "kind",
  "action",
  "object_type",
  "object_id",
  "actor",
  "request_id",
  "idempotency_key",
  "correlation_id",
  "causation_id",
  "event_id",
  "before",
  "after",
  "reason",
  "data",
  "created_at",
  "recorded_at",
  "prev_hash",
  "hash",
] as const satisfies ReadonlyArray<keyof AuditRecordRow>;

/** The columns a hash covers (all but the hashes), in canonical (sorted) order. */
const HASHED_COLUMNS = AUDIT_RECORD_COLUMNS.filter((c) => c !== "hash" && c !== "prev_hash").sort();
const KNOWN_COLUMNS = new Set<string>(AUDIT_RECORD_COLUMNS);
const QUOTED = HASHED_COLUMNS.map((c) => JSON.stringify(c));

/**
 * `genericForm` for the usual row, its columns and nothing else, every value a string, number or
 * null (every append and every verified record): the same text without sorting keys per record.
 * Undefined when the row is anything else, which the generic form then handles.
 */
function flatRecordForm(row: Record<string, unknown>): string | undefined {
  for (const key in row) if (!KNOWN_COLUMNS.has(key)) return undefined;
  let out = "{";
  for (let i = 0; i < HASHED_COLUMNS.length; i++) {
    const column = HASHED_COLUMNS[i] as (typeof HASHED_COLUMNS)[number];
    const value = column === "seq" ? Number(row.seq) : row[column];
    if (value === undefined) continue;
    if (value !== null && typeof value !== "string" && typeof value !== "number") return undefined;
    out += `${out.length > 1 ? "," : ""}${QUOTED[i]}:${JSON.stringify(value)}`;
  }
  return `${out}}`;
}

/** sha256(previous hash + canonical form of the record). */
export function recordHash(row: Omit<AuditRecordRow, "hash">): string {
  return sha256Hex(row.prev_hash + hashedForm(row));
}

/** The bytes a checkpoint signs. */
export function checkpointMessage(tenantId: string, seq: number, hash: string): string {
  return `tessera-audit-checkpoint:v1:${tenantId}:${seq}:${hash}`;
}
