import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditRecordRow } from "../../db/types.js";
import { canonicalJson, hashedForm } from "./canonical.js";

/*
 * hashedForm writes the usual record without sorting its keys each time; the text must be the one
 * the generic canonical JSON gives, or every chain written before would stop verifying.
 */
const generic = (row: Record<string, unknown>) => {
  const { hash: _h, prev_hash: _p, ...content } = row;
  return canonicalJson({ ...content, seq: Number(row.seq) });
};

const text = fc.option(fc.string(), { nil: null });
const record = fc.record({
  id: fc.string(),
  tenant_id: fc.string(),
  environment_id: text,
  seq: fc.oneof(fc.nat(), fc.nat().map(String)),
  kind: fc.constantFrom("action", "decision", "outcome"),
  action: fc.string(),
  object_type: text,
  object_id: text,
  actor: text,
  request_id: text,
  idempotency_key: text,
  correlation_id: text,
  causation_id: text,
  event_id: text,
  before: text,
  after: text,
  reason: text,
  data: fc.string(),
  created_at: fc.string(),
  recorded_at: fc.string(),
  prev_hash: fc.string(),
  hash: fc.option(fc.string(), { nil: undefined }),
});

describe("hashedForm", () => {
  it("is the canonical JSON of the record without its hashes, for any record", () => {
    fc.assert(
      fc.property(record, (row) => {
        expect(hashedForm(row as unknown as AuditRecordRow)).toBe(generic(row));
      }),
      { numRuns: 300 },
    );
  });

  it("falls back to the generic form for a row with other keys or non-text values", () => {
    const row = { id: "a", seq: 1, data: "{}", prev_hash: "0", extra: { b: 1, a: [2] } };
    expect(hashedForm(row as unknown as AuditRecordRow)).toBe(generic(row));
    const nested = { id: "a", seq: 1, data: { z: 1, a: 2 }, prev_hash: "0" };
    expect(hashedForm(nested as unknown as AuditRecordRow)).toBe(generic(nested));
  });
});
