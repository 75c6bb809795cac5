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
  const { hash: _hash, prev_hash: _prev, ...content } = row;
  return canonicalJson({ ...content, seq: Number(row.seq) });
}

/** sha256(previous hash + canonical form of the record). */
export function recordHash(row: Omit<AuditRecordRow, "hash">): string {
  return sha256Hex(row.prev_hash + hashedForm(row));
}

/** The bytes a checkpoint signs. */
export function checkpointMessage(tenantId: string, seq: number, hash: string): string {
  return `tessera-audit-checkpoint:v1:${tenantId}:${seq}:${hash}`;
}
