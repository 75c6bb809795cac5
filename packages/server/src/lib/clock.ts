/** The only source of "now". Production passes the system clock; tests pass a fixed or movable one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move: for tests. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(start: Date | string = "2026-01-01T00:00:00.000Z") {
    this.#ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  set(to: Date | string): void {
    this.#ms = new Date(to).getTime();
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}

export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

/** A clock that always answers the same instant: an environment under a test clock. */
export function frozenClock(at: string | Date): Clock {
  const ms = new Date(at).getTime();
  return { now: () => new Date(ms) };
}

/** The clock of an environment: frozen at its test-clock time, or the process clock. */
export function environmentClock(base: Clock, testClockAt: string | null | undefined): Clock {
  return testClockAt ? frozenClock(testClockAt) : base;
}
