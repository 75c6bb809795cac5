import { describe, expect, it } from "vitest";
import { TokenCache } from "../src/cache.js";

const entry = (deadline: number) => ({ deadline, used: false });

describe("TokenCache", () => {
  it("never holds more than its capacity and evicts unused entries first", () => {
    const cache = new TokenCache<ReturnType<typeof entry>>(3);
    for (const t of ["a", "b", "c"]) cache.set(t, entry(100));
    expect(cache.get("a", 0)).toBeDefined(); // a is used: it gets a second chance
    cache.set("d", entry(100));
    expect(cache.size).toBe(3);
    expect(cache.get("b", 0)).toBeUndefined();
    expect(cache.get("a", 0)).toBeDefined();
    for (let i = 0; i < 100; i++) cache.set(`t${i}`, entry(100));
    expect(cache.size).toBe(3);
  });

  it("drops an entry at its deadline", () => {
    const cache = new TokenCache<ReturnType<typeof entry>>(10);
    cache.set("a", entry(100));
    expect(cache.get("a", 99)).toBeDefined();
    expect(cache.get("a", 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("stores nothing with capacity 0", () => {
    const cache = new TokenCache<ReturnType<typeof entry>>(0);
    cache.set("a", entry(100));
    expect(cache.get("a", 0)).toBeUndefined();
  });
});
