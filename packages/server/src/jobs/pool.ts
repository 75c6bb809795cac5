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
 * target is at its cap (it waits; the others pass it). Ready jobs are kept per tenant and target,
 * and held counts are kept as jobs come and go, so neither starting a job nor asking what is
 * saturated reads every held job (with a claimed batch of thousands behind one capped PSP, that
 * read per finished job cost more than the renewals themselves).
 */
export class Pool<M> {
  readonly #held = new Map<string, Held<M>>();
  /** tenant → target ("" for none) → ready jobs in claim order, each with its claim sequence. */
  readonly #ready = new Map<string, Map<string, Array<{ job: JobRow; seq: number }>>>();
  #readyCount = 0;
  #seq = 0;
  readonly #running = new Map<string, number>();
  /** Held (ready or running) per tenant, type and target: what `saturated` reports. */
  readonly #heldCounts = new Map<string, number>();
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
    const ids: string[] = [];
    for (const targets of this.#ready.values())
      for (const queue of targets.values()) for (const r of queue) ids.push(r.job.id);
    return ids;
  }

  settled(): Promise<void> {
    return Promise.all([...this.#held.values()].map((h) => h.settled)).then(() => {});
  }

  /** What the next claim skips: tenants, types and targets that hold their cap already. */
  saturated(): { tenants: string[]; types: string[]; targets: string[] } {
    const out = { tenants: [] as string[], types: [] as string[], targets: [] as string[] };
    for (const [key, n] of this.#heldCounts) {
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
    adjust(this.#heldCounts, keysOf(job, true), 1);
    const tenant = job.tenant_id ?? NO_TENANT;
    let targets = this.#ready.get(tenant);
    if (!targets) {
      targets = new Map();
      this.#ready.set(tenant, targets);
    }
    const target = job.target ?? "";
    const queue = targets.get(target);
    const entry = { job, seq: this.#seq++ };
    if (queue) queue.push(entry);
    else targets.set(target, [entry]);
    this.#readyCount++;
  }

  /** Takes back every ready job (a shutdown releases them). */
  drop(): string[] {
    const ids = this.readyIds();
    for (const id of ids) {
      const held = this.#held.get(id);
      if (held) adjust(this.#heldCounts, keysOf(held.job, true), -1);
      this.#held.delete(id);
    }
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
        adjust(this.#heldCounts, keysOf(held.job, true), -1);
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

  /**
   * The first fitting job (in claim order) of the tenant that comes next in turn; that tenant goes
   * to the back. A target at its cap is passed over whole, without looking at its jobs.
   */
  #take(): Held<M> | undefined {
    for (const [tenant, targets] of this.#ready) {
      let best: { target: string; index: number; seq: number } | undefined;
      for (const [target, queue] of targets) {
        if (target && (this.#running.get(`g:${target}`) ?? 0) >= this.targetCap(target)) continue;
        const index = queue.findIndex((r) => this.#typeFits(r.job));
        if (index >= 0 && (!best || queue[index]!.seq < best.seq)) best = { target, index, seq: queue[index]!.seq };
      }
      if (!best) continue;
      const queue = targets.get(best.target)!;
      const job = queue.splice(best.index, 1)[0]!.job;
      if (queue.length === 0) targets.delete(best.target);
      this.#ready.delete(tenant);
      if (targets.size) this.#ready.set(tenant, targets);
      this.#readyCount--;
      return this.#held.get(job.id);
    }
    return undefined;
  }

  #typeFits(job: JobRow): boolean {
    const typeCap = this.limits.perType[job.type];
    return typeCap === undefined || (this.#running.get(`y:${job.type}`) ?? 0) < typeCap;
  }

  /** How many jobs of one target may run at once: its kind's cap, else the general one. */
  targetCap(target: string): number {
    const kind = target.slice(0, Math.max(0, target.indexOf(":")));
    return this.limits.perTargetKind?.[kind] ?? this.limits.perTarget;
  }

  #count(job: JobRow, delta: number) {
    this.#runningCount += delta;
    adjust(this.#running, keysOf(job, false), delta);
  }
}

function adjust(counts: Map<string, number>, keys: string[], delta: number): void {
  for (const k of keys) {
    const n = (counts.get(k) ?? 0) + delta;
    if (n > 0) counts.set(k, n);
    else counts.delete(k);
  }
}

function keysOf(job: JobRow, withTenant: boolean): string[] {
  const keys = [`y:${job.type}`];
  if (withTenant && job.tenant_id) keys.push(`t:${job.tenant_id}`);
  if (job.target) keys.push(`g:${job.target}`);
  return keys;
}
