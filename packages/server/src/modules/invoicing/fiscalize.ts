import type { Deps, Scope } from "../../context.js";
import type { Db } from "../../db/types.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import type { FiscalContext, FiscalOutcome } from "./fiscal/port.js";
import type { FiscalProviderRegistry } from "./fiscal/registry.js";
import { forEvent } from "./personal-data.js";
import * as repo from "./repo.js";
import { toDocument } from "./views.js";

/** Where a storefront's fiscal provider is reached: its settings and decrypted credentials. */
export async function fiscalContext(
  storefronts: Pick<StorefrontsService, "requireStorefront" | "providerCredentials">,
  scope: Scope,
  storefrontId: string,
  provider: string,
): Promise<FiscalContext> {
  const storefront = await storefronts.requireStorefront(scope, storefrontId);
  return {
    config: (storefront.fiscal_provider?.config ?? {}) as Record<string, string | number | boolean>,
    credentials: await storefronts.providerCredentials(scope, storefrontId, provider, "fiscal"),
  };
}

export const FISCALIZE_JOB = "invoicing.fiscalize";
/** How long an authority that took a document is given before it is asked again. */
const CHECK_AFTER_MS = 60_000;

interface FiscalizePayload {
  document: string;
}

/**
 * Asynchronous fiscalization: a document is written `pending` with its job in the issuing
 * transaction; the job submits it (or asks about a submitted one) and records the answer.
 * `pending → submitted → accepted | rejected`; a provider that cannot be reached makes the job
 * throw, so the queue retries it with backoff. The number was taken at issue and stays, whatever
 * the provider says.
 */
export function fiscalization(
  deps: Deps,
  o: {
    storefronts: Pick<StorefrontsService, "requireStorefront" | "providerCredentials">;
    events: Pick<EventsService, "record">;
    jobs: JobRegistry;
    fiscal: FiscalProviderRegistry;
  },
) {
  const { db } = deps;

  async function schedule(tx: Db, scope: Scope, documentId: string, delayMs = 0, round = 0): Promise<void> {
    const now = isoNow(deps.clock);
    const payload: FiscalizePayload = { document: documentId };
    await enqueueJob(tx, now, {
      type: FISCALIZE_JOB,
      payload,
      runAt: new Date(deps.clock.now().getTime() + delayMs).toISOString(),
      scope,
      // The provider lives in real time, whatever the environment's test clock says.
      clock: "wall",
      dedupeKey: `${FISCALIZE_JOB}:${documentId}:${round}`,
    });
  }

  async function record(scope: Scope, id: string, outcome: FiscalOutcome, attempts: number): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const now = isoNow(deps.clock);
      if (outcome.status === "retry") {
        await repo.updateDocument(tx, scope, id, {
          fiscal_attempts: attempts,
          fiscal_reason: outcome.reason,
          updated_at: now,
        });
        return;
      }
      const changes =
        outcome.status === "rejected"
          ? { fiscal_status: "rejected" as const, fiscal_reason: `${outcome.code}: ${outcome.reason}` }
          : { fiscal_status: outcome.status, fiscal_reference: outcome.reference, fiscal_reason: null };
      await repo.updateDocument(tx, scope, id, { ...changes, fiscal_attempts: attempts, updated_at: now });
      const row = (await repo.findDocument(tx, scope, id.startsWith("cn_") ? "credit_note" : "invoice", id))!;
      if (outcome.status === "accepted")
        await o.events.record(tx, scope, { type: "invoice.fiscalized", object: forEvent(toDocument(row)) });
      if (outcome.status === "rejected")
        await o.events.record(tx, scope, { type: "invoice.fiscalization_failed", object: forEvent(toDocument(row)) });
      if (outcome.status === "submitted") await schedule(tx, scope, id, CHECK_AFTER_MS, attempts);
    });
  }

  o.jobs.register(FISCALIZE_JOB, async ({ scope, payload }) => {
    if (!scope) return;
    const { document } = payload as FiscalizePayload;
    const kind = document.startsWith("cn_") ? "credit_note" : "invoice";
    const row = await repo.findDocument(db, scope, kind, document);
    if (!row || (row.fiscal_status !== "pending" && row.fiscal_status !== "submitted")) return;
    const attempts = row.fiscal_attempts + 1;
    const provider = o.fiscal.find(row.fiscal_provider);
    if (!provider) {
      const reason = `no fiscal provider "${row.fiscal_provider}" is registered on this server`;
      await record(scope, row.id, { status: "rejected", code: "unknown_provider", reason }, attempts);
      return;
    }
    const ctx = await fiscalContext(o.storefronts, scope, row.storefront_id, provider.name);
    const doc = toDocument(row);
    const outcome =
      row.fiscal_status === "submitted" && provider.check && row.fiscal_reference
        ? await provider.check(ctx, doc, row.fiscal_reference)
        : await provider.submit(ctx, doc);
    await record(scope, row.id, outcome, attempts);
    // Not decided yet: the queue's backoff asks again.
    if (outcome.status === "retry") throw new Error(`fiscalization of ${row.number} to retry: ${outcome.reason}`);
  });

  return { schedule };
}
