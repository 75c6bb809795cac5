import type { Actor, AuditKind, AuditLineage, AuditListQuery, AuditRecord, Event } from "@tessera/core";
import { type Deps, type Scope, SYSTEM_ACTOR } from "../../context.js";
import type { AuditRecordRow, Db } from "../../db/types.js";
import { notFound } from "../../errors.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { JobContext } from "../../jobs/worker.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, toPage } from "../../lib/pagination.js";
import type { ConsumedEvent } from "../events/index.js";
import type { EventsService } from "../events/service.js";
import { auditChain, DEFAULT_CHECKPOINT_EVERY, type NewRecord } from "./chain.js";
import { checkpointKeys } from "./keys.js";
import { redact } from "./redact.js";
import * as repo from "./repo.js";
import { type ChainReport, verifyChain } from "./verify.js";

/** A decision or outcome the platform records itself (an action, when no event describes it). */
export interface AuditEntry {
  kind: AuditKind;
  /** e.g. `dunning.step`, `renewal.charge`, `payment.routing`. */
  action: string;
  /** The object it is about: a snapshot `{ id, object, … }` or just those two. */
  object?: { id: string; object: string } | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  data?: Record<string, unknown>;
  /** Overrides the scope's correlation (billing keeps the one its payment was made under). */
  correlationId?: string | null;
  causationId?: string | null;
}

/** A tenant-wide action: who did it (and in which request), what, to which object. */
export interface TenantWideEntry extends Omit<AuditEntry, "correlationId" | "causationId"> {
  actor: Actor;
  requestId?: string | undefined;
  idempotencyKey?: string | undefined;
}

/** How far back one consume job looks for earlier events of its object (pages of CATCH_UP_PAGE). */
const CATCH_UP_PAGE = 10;
const MAX_CATCH_UP_PAGES = 100;

export const CHECKPOINT_JOB = "audit.checkpoint";
/**
 * The chain of what happens outside any tenant: platform users (created, invited, signing in to
 * nothing but the platform, changing passwords or second factors). Kept like a tenant's chain, under
 * this id, which no tenant can have (tenant ids are `ten_…`): verified, checkpointed and listed by
 * `GET /v1/platform/audit`.
 */
export const PLATFORM_CHAIN = "platform";
/** How often the worker signs every chain that grew since its last checkpoint. */
export const CHECKPOINT_INTERVAL_MS = 60 * 60_000;

const json = (value: unknown) => (value === undefined || value === null ? null : toJson(redact(value)));

/**
 * An audit note as a change's first event keeps it (`AuditService.notes`): what the entry says,
 * redacted, with its values as JSON values rather than JSON text inside JSON. Who acted, in which
 * request, and when are the event's own (the same scope wrote both), so they are not repeated.
 * Notes written before 4 December kept whole records (`NewRecord`): still read as they are.
 */
interface Note {
  kind: NewRecord["kind"];
  action: string;
  object_type: string | null;
  object_id: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  data: unknown;
  correlation_id: string | null;
  causation_id: string | null;
}

function noteOf(scope: Scope, entry: AuditEntry): Note {
  const value = (v: unknown) => (v === undefined || v === null ? null : redact(v));
  return {
    kind: entry.kind,
    action: entry.action,
    object_type: entry.object?.object ?? null,
    object_id: entry.object?.id ?? null,
    before: value(entry.before),
    after: value(entry.after),
    reason: entry.reason ?? null,
    data: redact(entry.data ?? {}),
    correlation_id: entry.correlationId ?? scope.correlationId ?? scope.requestId ?? null,
    causation_id: entry.causationId ?? scope.causationId ?? null,
  };
}

/** Who acted, in which request, and when: what a note leaves to whoever appends it. */
type NoteContext = Pick<
  NewRecord,
  "tenant_id" | "environment_id" | "actor" | "request_id" | "idempotency_key" | "created_at"
>;

/** The record a note becomes: the note, its values as JSON text, completed with `who`. */
function recordOfNote(note: Note, who: NoteContext): NewRecord {
  const text = (v: unknown) => (v === null ? null : toJson(v));
  return {
    ...who,
    kind: note.kind,
    action: note.action,
    object_type: note.object_type,
    object_id: note.object_id,
    correlation_id: note.correlation_id,
    causation_id: note.causation_id,
    event_id: null,
    before: text(note.before),
    after: text(note.after),
    reason: note.reason,
    data: toJson(note.data ?? {}),
  };
}

/**
 * The tenant-scoped, tamper-evident audit trail (docs/security.md "Audit trail"). Every committed
 * event is recorded as an action by an events consumer; decisions and outcomes that are not
 * events are recorded with `record`, in the transaction of the change they go with.
 */
export function auditService(
  deps: Deps,
  o: {
    events: Pick<EventsService, "subscribe" | "auditDetailsOf" | "objectEventsBefore">;
    jobs: JobRegistry;
    checkpointEvery?: number;
  },
) {
  const { db } = deps;
  const keys = checkpointKeys(deps);
  const chain = auditChain(deps, keys, o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY);

  function toApi(row: AuditRecordRow, scope: Pick<Scope, "environment">): AuditRecord {
    return {
      id: row.id,
      object: "audit_record",
      seq: Number(row.seq),
      kind: row.kind,
      action: row.action,
      environment: row.environment_id === null ? null : scope.environment,
      object_type: row.object_type,
      object_id: row.object_id,
      actor: fromJson<Actor | null>(row.actor, null),
      request_id: row.request_id,
      idempotency_key: row.idempotency_key,
      correlation_id: row.correlation_id,
      causation_id: row.causation_id,
      event_id: row.event_id,
      before: fromJson(row.before, null),
      after: fromJson(row.after, null),
      reason: row.reason,
      data: fromJson(row.data, {}),
      created_at: row.created_at,
      recorded_at: row.recorded_at,
      prev_hash: row.prev_hash,
      hash: row.hash,
    };
  }

  /**
   * Events of one tenant, in order, as actions under one lock of its chain (a consume job's page).
   * An event the trail holds already is skipped; each `before` is the object's previous `after`,
   * from this page when the page changed the object already.
   */
  async function recordEvents(tx: Db, tenantId: string, items: ConsumedEvent[]): Promise<void> {
    const details = new Map<string, { idempotencyKey: string | null; auditNotes: string | null }>();
    for (const { event, scope } of items) details.set(event.id, await o.events.auditDetailsOf(tx, scope, event.id));
    await chain.appendAll(tx, tenantId, async () => {
      const rows: NewRecord[] = [];
      const lastAfter = new Map<string, string>();
      for (const { event, scope } of items) {
        if (await repo.hasEventRecord(tx, event.id)) continue;
        const { idempotencyKey, auditNotes } = details.get(event.id)!;
        // The change's decisions and outcome first, then the change itself (as when they were
        // appended in its transaction).
        for (const note of auditNotes ? fromJson<Array<Note | NewRecord>>(auditNotes, []) : []) {
          // Notes an older version kept as whole records are appended as they are.
          const row =
            "tenant_id" in note
              ? note
              : recordOfNote(note, {
                  tenant_id: scope.tenantId,
                  environment_id: scope.environmentId,
                  actor: toJson(event.actor ?? SYSTEM_ACTOR),
                  request_id: event.request_id,
                  idempotency_key: idempotencyKey,
                  created_at: event.created_at,
                });
          rows.push(row);
          if (row.object_id && row.after !== null) lastAfter.set(row.object_id, row.after);
        }
        const object = event.data.object as { id?: string; object?: string };
        const before = object.id
          ? (lastAfter.get(object.id) ?? (await repo.findLastAfter(tx, tenantId, object.id)))
          : null;
        const after = json(object);
        if (object.id && after !== null) lastAfter.set(object.id, after);
        rows.push({
          tenant_id: scope.tenantId,
          environment_id: scope.environmentId,
          kind: "action",
          action: event.type,
          object_type: object.object ?? null,
          object_id: object.id ?? null,
          actor: toJson(event.actor ?? SYSTEM_ACTOR),
          request_id: event.request_id,
          idempotency_key: idempotencyKey,
          correlation_id: event.correlation_id,
          causation_id: event.causation_id,
          event_id: event.id,
          before,
          after,
          reason: null,
          data: "{}",
          created_at: event.created_at,
        });
      }
      return rows;
    });
  }

  /**
   * The events of the same object before `event` that the trail does not hold yet, oldest first.
   * Jobs run concurrently and in any order, but two changes of one object commit in order (the
   * object's row lock), so whichever job comes first appends the earlier ones before its own: the
   * chain holds an object's changes in event order and each `before` is the previous `after`.
   * Read before the transaction (SQLite has one connection); appended under the chain lock, where
   * `recordEvent` skips any another job has appended meanwhile.
   */
  async function unrecordedBefore(scope: Scope, event: Event): Promise<Event[]> {
    const objectId = (event.data.object as { id?: unknown }).id;
    if (typeof objectId !== "string") return [];
    const earlier: Event[] = [];
    let cursor = event.id;
    for (let pages = 0; pages < MAX_CATCH_UP_PAGES; pages++) {
      // Almost always the previous event is in the trail already: look at it alone first.
      const limit = pages === 0 ? 1 : CATCH_UP_PAGE;
      const page = await o.events.objectEventsBefore(scope, objectId, cursor, limit);
      for (const e of page) {
        // Appended in order up to here: everything older is in the trail too.
        if (await repo.hasEventRecord(db, e.id)) return earlier.reverse();
        earlier.push(e);
      }
      if (page.length < limit) break;
      cursor = page.at(-1)!.id;
    }
    return earlier.reverse();
  }

  /** The event, after the earlier events of its object that the trail does not hold yet. */
  async function withUnrecordedBefore(items: ConsumedEvent[]): Promise<ConsumedEvent[]> {
    const ordered: ConsumedEvent[] = [];
    const queued = new Set<string>();
    for (const item of items) {
      for (const event of [...(await unrecordedBefore(item.scope, item.event)), item.event]) {
        if (queued.has(event.id)) continue;
        queued.add(event.id);
        ordered.push({ scope: item.scope, event });
      }
    }
    return ordered;
  }

  /**
   * A page of events (one, or a consume job's) in one transaction and one append: per event, the
   * chain's lock and the job's claim and commit cost more than the record.
   */
  async function recordPage(page: ConsumedEvent[], job: JobContext): Promise<void> {
    const items = await withUnrecordedBefore(page);
    await db.transaction().execute(async (tx) => {
      await recordEvents(tx, page[0]!.scope.tenantId, items);
      await job.complete(tx);
    });
  }

  o.events.subscribe({
    name: "audit",
    types: "*",
    handle: (scope, event, job) => recordPage([{ scope, event }], job),
    handleBatch: recordPage,
  });

  o.jobs.register(CHECKPOINT_JOB, async () => {
    await checkpointAll();
    await scheduleCheckpoints(CHECKPOINT_INTERVAL_MS);
  });

  /** Signs the head of every chain that grew since its last checkpoint. */
  async function checkpointAll(): Promise<number> {
    let signed = 0;
    for (const head of await repo.listChainTenants(db)) {
      const last = (await repo.listCheckpoints(db, head.tenant_id)).at(-1);
      if (Number(head.seq) === 0 || (last && Number(last.seq) >= Number(head.seq))) continue;
      if (await chain.checkpoint(head.tenant_id)) signed++;
    }
    return signed;
  }

  async function scheduleCheckpoints(afterMs = 0): Promise<void> {
    const now = deps.clock.now();
    const at = new Date(now.getTime() + afterMs);
    await enqueueJob(db, now.toISOString(), {
      type: CHECKPOINT_JOB,
      payload: {},
      runAt: at.toISOString(),
      clock: "wall",
      dedupeKey: `${CHECKPOINT_JOB}:${Math.floor(at.getTime() / CHECKPOINT_INTERVAL_MS)}`,
    });
  }

  /**
   * Records an action about the tenant as a whole (its members, roles, a platform read), in `tx`:
   * `environment: null`, seen from every environment. Before, after and data are redacted.
   */
  async function recordTenantWide(tx: Db, tenantId: string, entry: TenantWideEntry): Promise<void> {
    await chain.append(tx, tenantId, async () => ({
      tenant_id: tenantId,
      environment_id: null,
      kind: entry.kind,
      action: entry.action,
      object_type: entry.object?.object ?? null,
      object_id: entry.object?.id ?? null,
      actor: toJson(entry.actor),
      request_id: entry.requestId ?? null,
      idempotency_key: entry.idempotencyKey ?? null,
      correlation_id: entry.requestId ?? null,
      causation_id: entry.requestId ?? null,
      event_id: null,
      before: json(entry.before),
      after: json(entry.after),
      reason: entry.reason ?? null,
      data: toJson(redact(entry.data ?? {})),
      created_at: deps.clock.now().toISOString(),
    }));
  }

  function toRecord(scope: Scope, entry: AuditEntry): NewRecord {
    return recordOfNote(noteOf(scope, entry), {
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      actor: toJson(scope.actor ?? SYSTEM_ACTOR),
      request_id: scope.requestId ?? null,
      idempotency_key: scope.idempotencyKey ?? null,
      created_at: scope.clock.now().toISOString(),
    });
  }

  return {
    /**
     * Records a decision, an outcome, or an action no event describes, in `tx` (the transaction of
     * the change it goes with, so both commit or neither). Before, after and data are redacted.
     */
    async record(tx: Db, scope: Scope, entry: AuditEntry): Promise<void> {
      const row = toRecord(scope, entry);
      await chain.append(tx, scope.tenantId, async () => row);
    },

    /**
     * A change's entries as audit notes for its first event (`RecordEvent.auditNotes`): built and
     * redacted now, as `recordAll` would append them; the audit consumer appends them, before the
     * event's own record, once the change has committed. Keeps the chain's lock and its writes out
     * of the change's transaction.
     */
    notes(scope: Scope, entries: AuditEntry[]): string {
      return toJson(entries.map((entry) => noteOf(scope, entry)));
    },

    /** `record` for several entries, in order, under one lock of the chain's head. */
    async recordAll(tx: Db, scope: Scope, entries: AuditEntry[]): Promise<void> {
      if (entries.length === 0) return;
      const rows = entries.map((entry) => toRecord(scope, entry));
      await chain.appendAll(tx, scope.tenantId, async () => rows);
    },

    /** A platform key read a tenant's data: recorded in that tenant's chain, tenant-wide. */
    async recordPlatformRead(
      tenantId: string,
      actor: Actor,
      what: {
        action: string;
        object: { id: string; object: string };
        requestId?: string;
        data?: Record<string, unknown>;
      },
    ): Promise<void> {
      await db.transaction().execute((tx) =>
        recordTenantWide(tx, tenantId, {
          kind: "action",
          action: what.action,
          object: what.object,
          actor,
          requestId: what.requestId,
          ...(what.data && { data: what.data }),
        }),
      );
    },

    recordTenantWide,

    /** Records an action of the platform itself (a platform user's change) in the platform chain. */
    recordPlatformWide: (tx: Db, entry: TenantWideEntry) => recordTenantWide(tx, PLATFORM_CHAIN, entry),

    /** The platform chain, newest first, with the filters of `list`. */
    async listPlatform(query: AuditListQuery): Promise<Page<AuditRecord>> {
      const scope = { tenantId: PLATFORM_CHAIN, environmentId: "", environment: "" };
      return toPage(await repo.pageRecords(db, scope, query), (r) => toApi(r, scope));
    },

    async list(scope: Scope, query: AuditListQuery): Promise<Page<AuditRecord>> {
      return toPage(await repo.pageRecords(db, scope, query), (r) => toApi(r, scope));
    },

    /** Everything one request or job run led to: its actions, the decisions taken, their outcomes. */
    async lineage(scope: Scope, correlationId: string): Promise<AuditLineage> {
      const rows = await repo.listByCorrelation(db, scope, correlationId);
      if (rows.length === 0) throw notFound("audit lineage", correlationId);
      // In business time; within one instant in the order things were written: the (monotonic) ULID of
      // the event a record came from, or of the record itself. The chain's order (seq) is the order the
      // audit consumer appended them, which concurrent jobs can shuffle across objects.
      const written = (r: (typeof rows)[number]) => {
        const id = r.event_id ?? r.id;
        return id.slice(id.indexOf("_") + 1);
      };
      rows.sort(
        (a, b) =>
          a.created_at.localeCompare(b.created_at) ||
          written(a).localeCompare(written(b)) ||
          Number(a.seq) - Number(b.seq),
      );
      const data = rows.map((r) => toApi(r, scope));
      return { object: "audit_lineage", correlation_id: correlationId, data };
    },

    /** Verifies every tenant's chain, or one tenant's (by id). */
    async verify(tenantId?: string): Promise<ChainReport[]> {
      const heads = new Map((await repo.listChainTenants(db)).map((h) => [h.tenant_id, Number(h.seq)]));
      const tenants = tenantId
        ? [tenantId]
        : [...new Set([...heads.keys(), ...(await repo.listTenantsWithRecords(db))])].sort();
      const reports: ChainReport[] = [];
      for (const t of tenants) reports.push(await verifyChain(db, keys, t, heads.get(t) ?? 0));
      return reports;
    },

    checkpoint: (tenantId: string) => chain.checkpoint(tenantId),
    checkpointAll,
    /** Starts the periodic checkpoint job (the long-running worker does, once). */
    scheduleCheckpoints: () => scheduleCheckpoints(),
  };
}

export type AuditService = ReturnType<typeof auditService>;
/** What billing, payments and channels need: recording decisions and outcomes. */
export type AuditRecorder = Pick<AuditService, "record" | "recordAll" | "notes">;
