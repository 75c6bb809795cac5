import type {
  AnswerPriceChange,
  CreatePriceMigration,
  PriceChangeStatus,
  PriceMigration,
  PriceMigrationPreview,
  SubscriptionPriceChange,
} from "@tessera/core";
import { type Deps, type Scope, SYSTEM_ACTOR } from "../../context.js";
import type { PriceMigrationRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { CatalogService } from "../catalog/service.js";
import type { ConsentsService } from "../consents/service.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import type { SubscriptionsService } from "../subscriptions/service.js";
import { answerPriceChange } from "./answer.js";
import { priceChangesConsumer } from "./consumer.js";
import { toChange, toMigration } from "./model.js";
import { planFor } from "./plan.js";
import * as repo from "./repo.js";
import { migrationRun, RUN_JOB } from "./run.js";

/** How many affected / skipped subscriptions a dry run lists (it counts them all). */
const PREVIEW_LIMIT = 100;

function invalid(path: string, message: string): ApiError {
  return new ApiError("VALIDATION_FAILED", `${path} ${message}`, { errors: [{ path, message }] });
}

/** The strategy's own fields: each is allowed only where it means something. */
function checkStrategy(input: CreatePriceMigration): void {
  if (input.strategy === "grandfather" && input.notice_days !== undefined)
    throw invalid("notice_days", "is not used by grandfather");
  if (input.strategy !== "require_consent") {
    if (input.on_no_consent !== undefined) throw invalid("on_no_consent", "is for require_consent only");
    if (input.text_version !== undefined) throw invalid("text_version", "is for require_consent only");
  } else if (input.text_version === undefined) {
    throw invalid("text_version", "is required: the version of the notice customers are asked to agree to");
  }
}

/**
 * Price changes for existing subscribers (docs/price-changes.md). A migration runs as a job over
 * the old price's subscribers, recording one change per subscription (never two: unique per
 * migration, and a subscription with a change pending is skipped) and, for notify and
 * require_consent, putting the pending change on the subscription in the same transaction. Billing
 * applies it at the renewal (billing/price-change.ts); this module follows the outcome by events.
 */
export function priceChangesService(
  deps: Deps,
  o: {
    catalog: Pick<CatalogService, "getPrice">;
    storefronts: Pick<StorefrontsService, "requireStorefront">;
    subscriptions: Pick<SubscriptionsService, "store" | "billing" | "listOnPrice">;
    consents: Pick<ConsentsService, "recordIn">;
    events: Pick<EventsService, "record" | "subscribe">;
    jobs: JobRegistry;
  },
) {
  const { db } = deps;
  o.jobs.register(RUN_JOB, migrationRun(deps, o));
  o.events.subscribe(priceChangesConsumer(deps));

  async function field<T>(lookup: Promise<T>, path: string): Promise<T> {
    try {
      return await lookup;
    } catch (error) {
      if (error instanceof ApiError && error.code === "NOT_FOUND") throw invalid(path, "does not exist");
      throw error;
    }
  }

  async function migration(scope: Scope, row: PriceMigrationRow): Promise<PriceMigration> {
    return toMigration(row, await repo.countChanges(db, scope, row.id));
  }

  async function requireMigration(scope: Scope, id: string): Promise<PriceMigrationRow> {
    const row = await repo.findMigration(db, scope, id);
    if (!row) throw notFound("price_migration", id);
    return row;
  }

  /** What a run would do now, without doing it. */
  async function preview(
    scope: Scope,
    m: Pick<PriceMigrationRow, "from_price_id" | "to_price_id" | "strategy" | "notice_days" | "storefront_id">,
  ): Promise<PriceMigrationPreview> {
    const now = isoNow(scope.clock);
    const cycle = await o.subscriptions.billing.terms(scope, m.from_price_id);
    const result: PriceMigrationPreview = {
      object: "price_migration_preview",
      from_price: m.from_price_id,
      to_price: m.to_price_id,
      strategy: m.strategy,
      affected_count: 0,
      skipped_count: 0,
      affected: [],
      skipped: [],
    };
    let after: string | null = null;
    for (;;) {
      const batch = await o.subscriptions.listOnPrice(db, scope, m.from_price_id, {
        storefrontId: m.storefront_id,
        after,
        limit: 200,
      });
      for (const row of batch) {
        const open = (await repo.findOpenChange(db, scope, row.id)) !== undefined;
        const plan = planFor(row, { strategy: m.strategy, noticeDays: m.notice_days ?? 0 }, cycle, now, open);
        if (plan.status === "skipped") {
          result.skipped_count++;
          if (result.skipped.length < PREVIEW_LIMIT) result.skipped.push({ subscription: row.id, reason: plan.reason });
        } else {
          result.affected_count++;
          if (result.affected.length < PREVIEW_LIMIT)
            result.affected.push({
              subscription: row.id,
              customer: row.customer_id,
              effective_at: plan.status === "grandfathered" ? null : plan.effectiveAt,
            });
        }
      }
      if (batch.length < 200) return result;
      after = batch.at(-1)!.id;
    }
  }

  return {
    async create(
      scope: Scope,
      fromPriceId: string,
      input: CreatePriceMigration,
    ): Promise<{ dryRun: true; preview: PriceMigrationPreview } | { dryRun: false; migration: PriceMigration }> {
      const from = await o.catalog.getPrice(scope, fromPriceId);
      const to = await field(o.catalog.getPrice(scope, input.to_price), "to_price");
      checkStrategy(input);
      if (to.price.id === from.price.id) throw invalid("to_price", "is the price being changed");
      if (to.price.bundle !== from.price.bundle) throw invalid("to_price", "must be a price of the same bundle");
      if (to.price.currency !== from.price.currency) throw invalid("to_price", `must be in ${from.price.currency}`);
      if (input.strategy !== "grandfather" && to.price.status !== "active")
        throw invalid("to_price", "is archived: subscribers cannot move to it");
      const storefront = input.storefront
        ? (await field(o.storefronts.requireStorefront(scope, input.storefront), "storefront")).id
        : null;
      const now = isoNow(scope.clock);
      const row: PriceMigrationRow = {
        id: newId("price_migration"),
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        bundle_id: from.price.bundle,
        from_price_id: from.price.id,
        to_price_id: to.price.id,
        strategy: input.strategy,
        notice_days: input.strategy === "grandfather" ? null : (input.notice_days ?? 30),
        on_no_consent: input.strategy === "require_consent" ? (input.on_no_consent ?? "cancel") : null,
        text_version: input.text_version ?? null,
        storefront_id: storefront,
        status: "running",
        cursor: null,
        actor: toJson(scope.actor ?? SYSTEM_ACTOR),
        created_at: now,
        completed_at: null,
      };
      if (input.dry_run) return { dryRun: true, preview: await preview(scope, row) };
      await db.transaction().execute(async (tx) => {
        await repo.insertMigration(tx, row);
        await enqueueJob(tx, now, {
          type: RUN_JOB,
          payload: { migration: row.id },
          runAt: now,
          scope,
          dedupeKey: `${RUN_JOB}:${row.id}`,
          correlationId: row.id,
        });
      });
      return { dryRun: false, migration: toMigration(row, new Map()) };
    },

    async get(scope: Scope, id: string): Promise<PriceMigration> {
      return migration(scope, await requireMigration(scope, id));
    },

    async list(scope: Scope, page: PageQuery): Promise<Page<PriceMigration>> {
      const result = await repo.pageMigrations(db, scope, page);
      const counted = await Promise.all(result.rows.map((row) => migration(scope, row)));
      return toPage({ ...result, rows: counted }, (m) => m);
    },

    async changes(
      scope: Scope,
      id: string,
      page: PageQuery & { status?: PriceChangeStatus | undefined },
    ): Promise<Page<SubscriptionPriceChange>> {
      const m = await requireMigration(scope, id);
      return toPage(await repo.pageChanges(db, scope, m.id, page, page.status), toChange);
    },

    /** The customer's answer to a price change waiting for consent (subscriptions' POST …/price-change/…). */
    answer(scope: Scope, subscriptionId: string, answer: "consent" | "decline", input: AnswerPriceChange) {
      return answerPriceChange(deps, o, scope, subscriptionId, answer, input);
    },
  };
}

export type PriceChangesService = ReturnType<typeof priceChangesService>;
