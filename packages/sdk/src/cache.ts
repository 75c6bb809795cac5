/** What the cache needs of an entry: when it dies, and a flag for second-chance eviction. */
export interface Cacheable {
  /** Milliseconds since the epoch from which the entry is dead (exp plus clock tolerance). */
  readonly deadline: number;
  /** Set on a hit; gives the entry a second chance at eviction time. */
  used: boolean;
}

/**
 * A bounded map of verified tokens with second-chance ("clock") eviction: an approximation of
 * LRU whose hit is a Map lookup and a boolean write, where true LRU would delete and re-insert
 * on every hit.
 */
export class TokenCache<T extends Cacheable> {
  readonly #map = new Map<string, T>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#map.size;
  }

  /** The live entry for `token`, or undefined; an expired entry is dropped on the way. */
  get(token: string, now: number): T | undefined {
    const entry = this.#map.get(token);
    if (entry === undefined) return undefined;
    if (now >= entry.deadline) {
      this.#map.delete(token);
      return undefined;
    }
    entry.used = true;
    return entry;
  }

  set(token: string, entry: T): void {
    if (this.capacity <= 0) return;
    if (!this.#map.has(token)) this.#evict();
    this.#map.set(token, entry);
  }

  clear(): void {
    this.#map.clear();
  }

  #evict(): void {
    // Bounded: each pass either evicts or clears a `used` flag, so at most capacity + 1 steps.
    while (this.#map.size >= this.capacity) {
      const oldest = this.#map.entries().next().value;
      if (!oldest) return;
      const [token, entry] = oldest;
      this.#map.delete(token);
      if (entry.used) {
        entry.used = false;
        this.#map.set(token, entry);
      }
    }
  }
}
