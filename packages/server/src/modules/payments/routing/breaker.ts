/*
 * A circuit breaker per storefront × PSP (the storefront holds the credentials, so one merchant's
 * revoked key trips only its own). Closed: everything goes. After FAILURE_THRESHOLD consecutive
 * outages it opens for a cool-down: routing puts the PSP behind the others. When the cool-down is
 * over it is half-open: one payment at a time may probe it; a success closes it, a failure opens
 * it again for twice as long (up to MAX_OPEN_MS). Outages are errors and lost answers, never
 * declines: a decline is the PSP working. In memory: each process learns on its own.
 */

export const FAILURE_THRESHOLD = 5;
export const BASE_OPEN_MS = 30_000;
export const MAX_OPEN_MS = 10 * 60_000;
/** A probe that never answered (a hung call, a crash) frees the half-open breaker for another after this. */
export const PROBE_TIMEOUT_MS = 60_000;

export type BreakerState = "closed" | "open" | "half_open";

interface Entry {
  failures: number;
  openUntil: number;
  openMs: number;
  /** When the half-open breaker's probe went out (null: none out). */
  probingSince: number | null;
}

export class CircuitBreakers {
  readonly #entries = new Map<string, Entry>();

  #entry(key: string): Entry {
    let e = this.#entries.get(key);
    if (!e) {
      e = { failures: 0, openUntil: 0, openMs: 0, probingSince: null };
      this.#entries.set(key, e);
    }
    return e;
  }

  state(key: string, nowMs: number): BreakerState {
    const e = this.#entries.get(key);
    if (!e || e.openMs === 0) return "closed";
    return nowMs < e.openUntil ? "open" : "half_open";
  }

  /** Whether routing should put the PSP behind the others now (open, or half-open with its probe out). */
  demoted(key: string, nowMs: number): boolean {
    const state = this.state(key, nowMs);
    if (state === "open") return true;
    const since = state === "half_open" ? this.#entry(key).probingSince : null;
    return since !== null && nowMs - since < PROBE_TIMEOUT_MS;
  }

  /** A payment is about to go to the PSP: a half-open breaker lets this one through as its probe. */
  beforeCall(key: string, nowMs: number): void {
    if (this.state(key, nowMs) === "half_open" && !this.demoted(key, nowMs)) this.#entry(key).probingSince = nowMs;
  }

  success(key: string): void {
    this.#entries.delete(key);
  }

  failure(key: string, nowMs: number): void {
    const e = this.#entry(key);
    const state = this.state(key, nowMs);
    e.probingSince = null;
    if (state === "half_open") {
      e.openMs = Math.min(e.openMs * 2, MAX_OPEN_MS);
      e.openUntil = nowMs + e.openMs;
      return;
    }
    if (state === "open") return;
    e.failures += 1;
    if (e.failures >= FAILURE_THRESHOLD) {
      e.openMs = BASE_OPEN_MS;
      e.openUntil = nowMs + e.openMs;
    }
  }
}
