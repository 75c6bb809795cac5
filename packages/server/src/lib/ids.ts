import { ID_PREFIXES, type ObjectType } from "@tessera/core";
import { monotonicFactory } from "ulidx";

// Monotonic within a millisecond, so ids created in one request still sort in creation order.
const ulid = monotonicFactory();

export function newId(type: ObjectType): string {
  return `${ID_PREFIXES[type]}_${ulid()}`;
}
