import type { Deps, Scope } from "../../context.js";
import { withSystemAccess, withTenantAccess } from "../../db/access.js";
import type { PaymentRow, ProviderInboxRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { enqueueJob, expediteJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { JobContext } from "../../jobs/worker.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import { adaptersOf } from "./adapters.js";
import * as inbox from "./inbox-repo.js";
import { toPayment } from "./model.js";
import type { PaymentProvider, ProviderEvent, WebhookRequest } from "./provider.js";
import type { PaymentProviderRegistry } from "./registry.js";
import * as repo from "./repo.js";

/*
 * The provider inbox (DESIGN §7). A provider's webhook is verified by its adapter, each event it
 * carries becomes one inbox row (deduplicated on the provider's event id, kept with the raw
 * request for replay), and a job applies it. Nothing is applied inside the HTTP request, so the
 * provider gets its 2xx fast and a failure to apply is retried by the queue, not by the vendor.
 * Applying is order-independent: a refund total only grows, a settled payment stays settled.
 */

/** Compare-and-set rounds an inbox event gets before its job retries later. */
const CAS_ROUNDS = 5;
export const PROVIDER_EVENT_JOB = "payment.provider_event";

// Billing's check of a pending payment (billing/schedule.ts `checkJob`): a webhook brings it forward.
const checkJobKey = (paymentId: string) => `payment.check:${paymentId}`;

// Never stored: credentials of ours or the client's session have no place in a replay.
const DROPPED_HEADERS = new Set(["authorization", "cookie", "x-tn"]);

export interface WebhookReceipt {
  received: number;
  duplicates: number;
}

type Outcome = { status: ProviderInboxRow["status"]; result: string; payment?: PaymentRow };

export function providerInboxService(
  deps: Deps,
  o: {
    registry: PaymentProviderRegistry;
    storefronts: Pick<StorefrontsService, "paymentSettings" | "providerCredentials" | "findOwner">;
    events: Pick<EventsService, "record">;
    jobs: JobRegistry;
    scopeOf: (environmentId: string) => Promise<Scope | undefined>;
  },
) {
  const { db, logger } = deps;
  const adapters = adaptersOf(o.registry, o.storefronts);

  /**
   * Applies `once` to the payment; on a lost compare-and-set ("conflict": another event of it was
   * applied meanwhile, by a concurrent job) re-reads the payment and decides again at once, rather
   * than waiting for the job's backoff. What these events change only moves forward (refunded
   * totals grow, a dispute closes), so a few rounds settle any race; past them the job runs again.
   */
  async function withRereads(
    payment: PaymentRow,
    scope: Scope,
    what: string,
    once: (current: PaymentRow) => Promise<Outcome | undefined | "conflict">,
  ): Promise<Outcome | undefined> {
    let current = payment;
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const result = await once(current);
      if (result !== "conflict") return result;
      current = (await repo.findPayment(db, scope, payment.id)) ?? current;
    }
    throw new Error(`payment ${payment.id} kept changing while applying ${what}; retrying`);
  }

  /** A refund the provider reports (made in its dashboard, or ours echoed back): the total only grows. */
  function refunded(scope: Scope, row: ProviderInboxRow, payment: PaymentRow, event: ProviderEvent, job: JobContext) {
    return withRereads(payment, scope, row.id, (current) => refundedOnce(scope, row, current, event, job));
  }

  async function refundedOnce(
    scope: Scope,
    row: ProviderInboxRow,
    payment: PaymentRow,
    event: ProviderEvent,
    job: JobContext,
  ): Promise<Outcome | undefined | "conflict"> {
    const total = event.totals?.refunded;
    if (total === undefined)
      return { status: "applied", result: "no refunded total in the event: reconcile at the provider", payment };
    if (payment.status !== "succeeded" && payment.status !== "refunded") {
      logger.warn(
        { payment: payment.id, inbox: row.id },
        "provider reports a refund of a payment that is not succeeded",
      );
      return { status: "applied", result: `refund of a ${payment.status} payment: not applied`, payment };
    }
    const recorded = Number(payment.refunded_amount);
    const next = Math.min(total, Number(payment.amount));
    if (next <= recorded) return { status: "applied", result: "refund already recorded", payment };
    const now = scope.clock.now().toISOString();
    const updated: PaymentRow = {
      ...payment,
      refunded_amount: next,
      status: next === Number(payment.amount) ? "refunded" : "succeeded",
      updated_at: now,
    };
    const done = await db.transaction().execute(async (tx) => {
      const changed = await repo.updatePaymentIf(
        tx,
        scope,
        payment.id,
        { status: payment.status, refunded_amount: recorded },
        { refunded_amount: updated.refunded_amount, status: updated.status, updated_at: now },
      );
      if (!changed) return false;
      await o.events.record(tx, scope, {
        type: "payment.refunded",
        object: toPayment(updated),
        correlationId: payment.correlation_id,
      });
      await inbox.finishInboxRow(tx, scope, row.id, {
        status: "applied",
        result: `refunded total now ${next}`,
        payment_id: payment.id,
        applied_at: now,
      });
      await job.complete(tx);
      return true;
    });
    return done ? undefined : "conflict";
  }

  /**
   * A chargeback: opened, then won or lost. Applied by compare-and-set on the dispute's state, so
   * duplicates and reordering change nothing (a late "opened" never reopens a closed dispute; a
   * "closed" arriving first closes it at once).
   */
  function disputed(scope: Scope, row: ProviderInboxRow, payment: PaymentRow, event: ProviderEvent, job: JobContext) {
    return withRereads(payment, scope, `${row.id} (dispute)`, (current) =>
      disputedOnce(scope, row, current, event, job),
    );
  }

  async function disputedOnce(
    scope: Scope,
    row: ProviderInboxRow,
    payment: PaymentRow,
    event: ProviderEvent,
    job: JobContext,
  ): Promise<Outcome | "conflict" | undefined> {
    const closing = event.type === "payment.dispute_closed";
    const status = closing ? (event.dispute?.status === "won" ? "won" : "lost") : "open";
    const current = payment.dispute_status;
    if (current === "won" || current === "lost" || current === status)
      return { status: "applied", result: `dispute already ${current}`, payment };
    const now = scope.clock.now().toISOString();
    const patch = {
      dispute_status: status,
      disputed_amount: event.amount ?? payment.disputed_amount,
      dispute_reason: event.dispute?.reason ?? payment.dispute_reason,
      updated_at: now,
    } as const;
    const updated: PaymentRow = { ...payment, ...patch };
    const done = await db.transaction().execute(async (tx) => {
      if (!(await repo.updateDisputeIf(tx, scope, payment.id, current, patch))) return false;
      await o.events.record(tx, scope, {
        type: closing ? "payment.dispute_closed" : "payment.disputed",
        object: toPayment(updated),
        correlationId: payment.correlation_id,
      });
      await inbox.finishInboxRow(tx, scope, row.id, {
        status: "applied",
        result: `dispute ${status}`,
        payment_id: payment.id,
        applied_at: now,
      });
      await job.complete(tx);
      return true;
    });
    return done ? undefined : "conflict";
  }

  /**
   * The PSP settled a captured payment (Braintree's transaction_settled, the sandbox's
   * charge.settled): `settled_at` is set once and `payment.settled` recorded; a duplicate or a
   * settlement arriving after a refund changes nothing more.
   */
  async function settled(
    scope: Scope,
    row: ProviderInboxRow,
    payment: PaymentRow,
    event: ProviderEvent,
    job: JobContext,
  ): Promise<Outcome | undefined> {
    if (payment.settled_at !== null) return { status: "applied", result: "already settled", payment };
    const now = scope.clock.now().toISOString();
    const updated: PaymentRow = { ...payment, settled_at: event.occurredAt, updated_at: now };
    const done = await db.transaction().execute(async (tx) => {
      if (!(await repo.markSettledIf(tx, scope, payment.id, event.occurredAt, now))) return false;
      await o.events.record(tx, scope, {
        type: "payment.settled",
        object: toPayment(updated),
        correlationId: payment.correlation_id,
      });
      await inbox.finishInboxRow(tx, scope, row.id, {
        status: "applied",
        result: "settled",
        payment_id: payment.id,
        applied_at: now,
      });
      await job.complete(tx);
      return true;
    });
    // Settled by a concurrent job applying a duplicate, or not captured (any more): re-read to say which.
    if (!done) {
      const current = await repo.findPayment(db, scope, payment.id);
      return {
        status: "applied",
        result: current?.settled_at ? "already settled" : `settlement of a ${current?.status} payment: not applied`,
        payment,
      };
    }
    return undefined;
  }

  async function decide(
    scope: Scope,
    row: ProviderInboxRow,
    payment: PaymentRow,
    event: ProviderEvent,
    job: JobContext,
  ): Promise<Outcome | undefined> {
    switch (event.type) {
      case "payment.refunded":
        return refunded(scope, row, payment, event, job);
      case "payment.disputed":
      case "payment.dispute_closed":
        return disputed(scope, row, payment, event, job);
      case "payment.settled":
        if (payment.status === "succeeded" || payment.status === "refunded")
          return settled(scope, row, payment, event, job);
        if (payment.status === "pending") {
          // Settled means captured: billing's check records the capture now; the settlement is
          // applied by this job's retry, once the payment is succeeded.
          await expediteJob(db, checkJobKey(payment.id), scope.clock.now().toISOString());
          throw new Error(`payment ${payment.id} is still pending; its settlement is applied once it is resolved`);
        }
        return { status: "applied", result: `settlement of a ${payment.status} payment: not applied`, payment };
      case "payment.authorized":
      case "payment.captured":
      case "payment.failed": {
        if (payment.status !== "pending")
          return { status: "applied", result: `payment already ${payment.status}`, payment };
        // Billing owns pending payments (and what they do to subscriptions): its check asks the provider now.
        // Due by the environment's clock, like the check itself (a test clock may hold it).
        const sooner = await expediteJob(db, checkJobKey(payment.id), scope.clock.now().toISOString());
        return {
          status: "applied",
          result: sooner ? "pending: billing's check runs now" : "pending: billing resolves it",
          payment,
        };
      }
      default:
        // Voids and failed refunds are kept for the modules that will act on them.
        return { status: "applied", result: `${event.type} recorded`, payment };
    }
  }

  async function apply(job: JobContext): Promise<void> {
    const { payload } = job;
    if (!job.scope) return;
    const row = await inbox.findInboxRow(db, job.scope, (payload as { inbox: string }).inbox);
    if (row?.status !== "pending") return;
    // What the event changes, the provider did: its events name it as the actor, not the job.
    const scope: Scope = { ...job.scope, actor: { type: "provider", id: row.provider } };
    const event = JSON.parse(row.event) as ProviderEvent;
    const payment = await inbox.findPaymentOfEvent(db, scope, row.provider, event);
    const outcome: Outcome | undefined = payment
      ? await decide(scope, row, payment, event, job)
      : { status: "unmatched", result: "no payment has this provider reference" };
    if (!outcome) return;
    await inbox.finishInboxRow(db, scope, row.id, {
      status: outcome.status,
      result: outcome.result,
      payment_id: outcome.payment?.id ?? null,
      applied_at: scope.clock.now().toISOString(),
    });
  }

  o.jobs.register(PROVIDER_EVENT_JOB, apply);

  return {
    /**
     * Applies a stored event again, from the inbox (the vendor is not asked to resend): for an
     * event that came before its payment had a reference, or after a fix to how events apply.
     */
    async replay(scope: Scope, id: string): Promise<void> {
      const wallNow = deps.clock.now().toISOString();
      await db.transaction().execute(async (tx) => {
        if (!(await inbox.findInboxRow(tx, scope, id))) throw notFound("provider event", id);
        if (!(await inbox.reopenInboxRow(tx, scope, id))) return;
        await enqueueJob(tx, wallNow, {
          type: PROVIDER_EVENT_JOB,
          payload: { inbox: id },
          runAt: wallNow,
          clock: "wall",
          scope: { tenantId: scope.tenantId, environmentId: scope.environmentId },
        });
      });
    },

    /** Verifies a provider's webhook and stores its events; applying them is the job's. */
    async receive(providerName: string, storefrontId: string, request: WebhookRequest): Promise<WebhookReceipt> {
      const provider = o.registry.get(providerName);
      if (!provider?.capabilities.webhooks) throw notFound("payment provider", providerName);
      // The vendor holds no key of ours: the storefront names the tenant, looked up across tenants
      // (on Postgres, row-level security would otherwise show no storefront at all). From there on,
      // only that tenant's rows.
      const owner = await withSystemAccess(() => o.storefronts.findOwner(storefrontId));
      const scope = owner && (await withSystemAccess(() => o.scopeOf(owner.environmentId)));
      if (!owner || !scope) throw notFound("storefront", storefrontId);
      return withTenantAccess(scope, () => store(providerName, provider, owner.id, scope, request));
    },
  };

  /** Verifies the webhook with the storefront's settings and keeps each new event for the apply job. */
  async function store(
    providerName: string,
    provider: PaymentProvider,
    storefrontId: string,
    scope: Scope,
    request: WebhookRequest,
  ): Promise<WebhookReceipt> {
    const settings = await o.storefronts.paymentSettings(scope, storefrontId);
    const config = settings.payment_providers.find((p) => p.name === providerName);
    if (!config) throw notFound(`payment provider on storefront ${storefrontId}`, providerName);
    const verdict = await provider.handleWebhook(adapters.context(scope, storefrontId, config), request);
    if (!verdict.verified) {
      logger.warn(
        { provider: providerName, storefront: storefrontId, reason: verdict.reason },
        "provider webhook refused",
      );
      throw new ApiError("UNAUTHENTICATED", "The webhook could not be verified");
    }
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([k]) => !DROPPED_HEADERS.has(k)));
    const wallNow = deps.clock.now().toISOString();
    let received = 0;
    await db.transaction().execute(async (tx) => {
      for (const event of verdict.events) {
        const id = newId("payment").replace(/^pay_/, "pin_");
        const added = await inbox.insertInboxRow(tx, {
          id,
          tenant_id: scope.tenantId,
          environment_id: scope.environmentId,
          storefront_id: storefrontId,
          provider: providerName,
          provider_event_id: event.id,
          type: event.type,
          reference: event.reference,
          amount: event.amount,
          currency: event.currency,
          occurred_at: event.occurredAt,
          event: toJson(event),
          raw_headers: toJson(headers),
          raw_body: request.body,
          status: "pending",
          result: null,
          payment_id: null,
          received_at: wallNow,
          applied_at: null,
        });
        if (!added) continue;
        received++;
        await enqueueJob(tx, wallNow, {
          type: PROVIDER_EVENT_JOB,
          payload: { inbox: id },
          runAt: wallNow,
          clock: "wall",
          scope: { tenantId: scope.tenantId, environmentId: scope.environmentId },
          dedupeKey: `${PROVIDER_EVENT_JOB}:${id}`,
        });
      }
    });
    return { received, duplicates: verdict.events.length - received };
  }
}
