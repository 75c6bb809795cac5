import { randomFillSync } from "node:crypto";
import { ID_PREFIXES, type ObjectType } from "@tessera/core";
import { monotonicFactory } from "ulidx";

// ulidx asks its random source for one value per character (16 per id), through a crypto call each
// time; drawing the same CSPRNG bytes from a pooled buffer costs a fraction of that, and ids are
// made on every write. byte / 256 × 32 is uniform over the 32 characters.
const pool = new Uint8Array(4096);
let next = pool.length;
function pooledRandom(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]! / 256;
}

// Monotonic within a millisecond, so ids created in one request still sort in creation order.
const ulid = monotonicFactory(pooledRandom);

export function newId(type: ObjectType): string {
  return `${ID_PREFIXES[type]}_${ulid()}`;
}
