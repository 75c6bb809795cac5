/** What the cache needs of an entry: its token, when it dies, and a flag for second-chance eviction. */
export interface Cacheable {
  /** The raw token the entry was verified from; a hit must equal it exactly. */
  readonly token: string;
  /** Milliseconds since the epoch from which the entry is dead (exp plus clock tolerance). */
  readonly deadline: number;
  /** Set on a hit; gives the entry a second chance at eviction time. */
  used: boolean;
}

/**
 * A bounded map of verified tokens with second-chance ("clock") eviction: an approximation of
 * LRU whose hit is a Map lookup and a boolean write, where true LRU would delete and re-insert
 * on every hit.
 *
 * Entries are found by a small integer made from a few signature characters, then confirmed by
 * comparing the whole token. Keying the Map by the token itself would hash all of its ~1 KB
 * on every request (a new string object has no cached hash), which made a hit three times
 * slower. A colliding or forged token only misses: a hit needs the exact same text.
 */
export class TokenCache<T extends Cacheable> {
  readonly #map = new Map<number, T>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#map.size;
  }

  /** The live entry for `token`, or undefined; an expired entry is dropped on the way. */
  get(token: string, now: number): T | undefined {
    const key = slotOf(token);
    const entry = this.#map.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    if (now >= entry.deadline) {
      this.#map.delete(key);
      return undefined;
    }
    entry.used = true;
    return entry;
  }

  set(entry: T): void {
    if (this.capacity <= 0) return;
    const key = slotOf(entry.token);
    if (!this.#map.has(key)) this.#evict();
    this.#map.set(key, entry);
  }

  clear(): void {
    this.#map.clear();
  }

  #evict(): void {
    // Bounded: each pass either evicts or clears a `used` flag, so at most capacity + 1 steps.
    while (this.#map.size >= this.capacity) {
      const oldest = this.#map.entries().next().value;
      if (!oldest) return;
      const [key, entry] = oldest;
      this.#map.delete(key);
      if (entry.used) {
        entry.used = false;
        this.#map.set(key, entry);
      }
    }
  }
}

/**
 * A 30-bit integer (a V8 small integer: no allocation, cheap to hash) from the eight characters
 * before a token's last: signature bytes, so as good as random. Not a security boundary.
 */
export function slotOf(token: string): number {
  const end = token.length - 1;
  let h = token.length;
  for (let i = Math.max(0, end - 8); i < end; i++) h = (Math.imul(h, 31) + token.charCodeAt(i)) | 0;
  return h & 0x3fffffff;
}
