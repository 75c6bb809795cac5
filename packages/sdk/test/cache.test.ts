import { describe, expect, it } from "vitest";
import { slotOf, TokenCache } from "../src/cache.js";

const entry = (name: string, deadline: number) => ({ token: tok(name), deadline, used: false });
// Distinct in the characters the slot is made from, like real signatures.
const tok = (name: string) => (name.includes(".") ? name : `h.p.signature-${name}0`);

describe("TokenCache", () => {
  it("never holds more than its capacity and evicts unused entries first", () => {
    const cache = new TokenCache<ReturnType<typeof entry>>(3);
    for (const t of ["a", "b", "c"]) cache.set(entry(t, 100));
    expect(cache.get(tok("a"), 0)).toBeDefined(); // a is used: it gets a second chance
    cache.set(entry("d", 100));
    expect(cache.size).toBe(3);
    expect(cache.get(tok("b"), 0)).toBeUndefined();
    expect(cache.get(tok("a"), 0)).toBeDefined();
    for (let i = 0; i < 100; i++) cache.set(entry(`t${i}`, 100));
    expect(cache.size).toBe(3);
  });

  it("drops an entry at its deadline", () => {
    const cache = new TokenCache<ReturnType<typeof entry>>(10);
    cache.set(entry("a", 100));
    expect(cache.get(tok("a"), 99)).toBeDefined();
    expect(cache.get(tok("a"), 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("stores nothing with capacity 0", () => {
    const cache = new TokenCache<ReturnType<typeof entry>>(0);
    cache.set(entry("a", 100));
    expect(cache.get(tok("a"), 0)).toBeUndefined();
  });
});

describe("TokenCache lookups", () => {
  it("hit only on the exact token, also when two tokens share a slot", () => {
    const cache = new TokenCache<ReturnType<typeof entry>>(10);
    // Same last nine characters and length: same slot, different tokens.
    const a = "aaaa.bbbb.123456789X";
    const b = "zzzz.yyyy.123456789X";
    expect(slotOf(a)).toBe(slotOf(b));
    cache.set(entry(a, 100));
    expect(cache.get(a, 0)?.token).toBe(a);
    expect(cache.get(b, 0)).toBeUndefined();
    expect(cache.get(Buffer.from(a).toString(), 0)?.token).toBe(a);
  });
});
