import type { JobRow } from "../db/types.js";

/** How many jobs a worker runs at once, in all and per type, target and tenant. */
export interface PoolLimits {
  concurrency: number;
  /** Per job type, e.g. `{ "webhook.deliver": 32 }`; a type not listed is capped by `concurrency` only. */
  perType: Readonly<Record<string, number>>;
  /** Per target (a webhook endpoint …): a receiver that hangs holds at most this many slots. */
  perTarget: number;
  /**
   * Per kind of target (the part before the first `:`), overriding `perTarget`: a PSP of a
   * storefront (`psp`) may need most of the worker to renew at its latency bound, while one
   * merchant's webhook receiver (`webhook`) should only ever see a few requests at once.
   */
  perTargetKind?: Readonly<Record<string, number>>;
  /** A tenant's share: a claim round skips a tenant holding this many while others have due work. */
  perTenant: number;
}

/** A claimed job and what it runs with (the memo of the round that claimed it). */
export interface Held<M> {
  job: JobRow;
  memo: M;
  settled?: Promise<void>;
}

const NO_TENANT = "";

/**
 * The jobs a worker holds: claimed and waiting for a slot (ready), or running. Ready jobs wait per
 * tenant and are started round-robin across tenants, so one tenant's claimed flood does not stand
 * in front of another tenant's job; within a tenant, in claim order, skipping a job whose type or
 * target is at its cap (it waits; the others pass it).
 */
export class Pool<M> {
  readonly #held = new Map<string, Held<M>>();
  readonly #ready = new Map<string, JobRow[]>();
  #readyCount = 0;
  readonly #running = new Map<string, number>();
  #runningCount = 0;
  #waiters: Array<() => void> = [];

  constructor(readonly limits: PoolLimits) {}

  get running(): number {
    return this.#runningCount;
  }

  get ready(): number {
    return this.#readyCount;
  }

  ids(): string[] {
    return [...this.#held.keys()];
  }

  readyIds(): string[] {
    return [...this.#ready.values()].flat().map((j) => j.id);
  }

  settled(): Promise<void> {
    return Promise.all([...this.#held.values()].map((h) => h.settled)).then(() => {});
  }

  /** What the next claim skips: tenants, types and targets that hold their cap already. */
  saturated(): { tenants: string[]; types: string[]; targets: string[] } {
    const counts = new Map<string, number>();
    for (const { job } of this.#held.values())
      for (const k of keysOf(job, true)) counts.set(k, (counts.get(k) ?? 0) + 1);
    const out = { tenants: [] as string[], types: [] as string[], targets: [] as string[] };
    for (const [key, n] of counts) {
      const value = key.slice(2);
      if (key.startsWith("t:") && n >= this.limits.perTenant) out.tenants.push(value);
      else if (key.startsWith("y:") && n >= (this.limits.perType[value] ?? Number.POSITIVE_INFINITY))
        out.types.push(value);
      else if (key.startsWith("g:") && n >= this.targetCap(value)) out.targets.push(value);
    }
    return out;
  }

  add(job: JobRow, memo: M): void {
    this.#held.set(job.id, { job, memo });
    const tenant = job.tenant_id ?? NO_TENANT;
    const queue = this.#ready.get(tenant);
    if (queue) queue.push(job);
    else this.#ready.set(tenant, [job]);
    this.#readyCount++;
  }

  /** Takes back every ready job (a shutdown releases them). */
  drop(): string[] {
    const ids = this.readyIds();
    for (const id of ids) this.#held.delete(id);
    this.#ready.clear();
    this.#readyCount = 0;
    return ids;
  }

  /** Starts ready jobs while slots are free; `run` must not reject. Returns how many started. */
  startReady(run: (held: Held<M>) => Promise<void>): number {
    let started = 0;
    while (this.#runningCount < this.limits.concurrency) {
      const held = this.#take();
      if (!held) break;
      this.#count(held.job, 1);
      held.settled = run(held).finally(() => {
        this.#held.delete(held.job.id);
        this.#count(held.job, -1);
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters) w();
      });
      started++;
    }
    return started;
  }

  /** Resolves when a running job finishes (at once when none runs). */
  next(): Promise<void> {
    if (this.#runningCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The first fitting job of the tenant that comes next in turn; that tenant goes to the back. */
  #take(): Held<M> | undefined {
    for (const [tenant, queue] of this.#ready) {
      const i = queue.findIndex((job) => this.#fits(job));
      if (i < 0) continue;
      const [job] = queue.splice(i, 1);
      this.#ready.delete(tenant);
      if (queue.length) this.#ready.set(tenant, queue);
      this.#readyCount--;
      return this.#held.get(job!.id);
    }
    return undefined;
  }

  #fits(job: JobRow): boolean {
    const typeCap = this.limits.perType[job.type];
    if (typeCap !== undefined && (this.#running.get(`y:${job.type}`) ?? 0) >= typeCap) return false;
    return !job.target || (this.#running.get(`g:${job.target}`) ?? 0) < this.targetCap(job.target);
  }

  /** How many jobs of one target may run at once: its kind's cap, else the general one. */
  targetCap(target: string): number {
    const kind = target.slice(0, Math.max(0, target.indexOf(":")));
    return this.limits.perTargetKind?.[kind] ?? this.limits.perTarget;
  }

  #count(job: JobRow, delta: number) {
    this.#runningCount += delta;
    for (const k of keysOf(job, false)) {
      const n = (this.#running.get(k) ?? 0) + delta;
      if (n > 0) this.#running.set(k, n);
      else this.#running.delete(k);
    }
  }
}

function keysOf(job: JobRow, withTenant: boolean): string[] {
  const keys = [`y:${job.type}`];
  if (withTenant && job.tenant_id) keys.push(`t:${job.tenant_id}`);
  if (job.target) keys.push(`g:${job.target}`);
  return keys;
}
