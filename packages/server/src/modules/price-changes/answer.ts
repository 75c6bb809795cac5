import type { AnswerPriceChange, Subscription } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { ApiError, notFound } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { toJson } from "../../lib/json.js";
import type { ConsentsService } from "../consents/service.js";
import { pendingPriceChangeOf, StaleWrite } from "../subscriptions/index.js";
import type { SubscriptionsService } from "../subscriptions/service.js";
import * as repo from "./repo.js";

const ROUNDS = 3;

/**
 * The customer's yes or no to a price change that needs consent, until its renewal (App Store and
 * Play let the customer agree up to the renewal too). One transaction: the consent record (purpose
 * price_change, the notice's text version), the subscription's pending change and its event, and the
 * change's row. The customer may change their mind until then; the same answer twice records nothing.
 */
export async function answerPriceChange(
  deps: Deps,
  o: {
    subscriptions: Pick<SubscriptionsService, "store">;
    consents: Pick<ConsentsService, "recordIn">;
  },
  scope: Scope,
  subscriptionId: string,
  answer: "consent" | "decline",
  input: AnswerPriceChange,
): Promise<Subscription> {
  const { db } = deps;
  const consent = answer === "consent" ? "given" : "declined";
  for (let round = 0; round < ROUNDS; round++) {
    const row = await o.subscriptions.store.find(db, scope, subscriptionId);
    if (!row) throw notFound("subscription", subscriptionId);
    const state = pendingPriceChangeOf(row);
    if (!state || state.consent === "not_required") {
      throw new ApiError(
        "PRICE_CHANGE_NOT_AWAITING_CONSENT",
        `Subscription ${row.id} has no price change waiting for the customer's consent`,
      );
    }
    const now = isoNow(scope.clock);
    if (now >= state.effective_at || (row.status !== "trial" && row.status !== "active")) {
      throw new ApiError(
        "PRICE_CHANGE_NOT_AWAITING_CONSENT",
        `The price change of subscription ${row.id} was due at ${state.effective_at}: it can no longer be answered`,
      );
    }
    if (state.text_version !== null && input.text_version !== state.text_version) {
      throw new ApiError("VALIDATION_FAILED", `The price change's notice is version ${state.text_version}`, {
        errors: [{ path: "text_version", message: `must be ${state.text_version}, the notice the customer was shown` }],
      });
    }
    if (state.consent === consent) return o.subscriptions.store.snapshot(db, scope, row);
    const written = await db
      .transaction()
      .execute(async (tx) => {
        const record = await o.consents.recordIn(tx, scope, row.customer_id, {
          purpose: "price_change",
          status: answer === "consent" ? "granted" : "withdrawn",
          text_version: input.text_version,
          method: input.method,
          ...(input.collected_by && { collected_by: input.collected_by }),
          metadata: {
            price_change: state.id,
            subscription: row.id,
            from_price: state.from,
            to_price: state.price,
          },
        });
        const next = await o.subscriptions.store.write(tx, scope, row, {
          patch: { pending_price_change: toJson({ ...state, consent }) },
          events: [answer === "consent" ? "subscription.price_change_consented" : "subscription.price_change_declined"],
          audit: [
            {
              kind: "decision",
              action: `price_change.${answer}`,
              reason:
                answer === "consent"
                  ? `the customer consented: the new price applies from ${state.effective_at}`
                  : `the customer declined: at ${state.effective_at} the subscription is ${state.on_no_consent === "keep" ? "kept on the old price" : "cancelled"}`,
              data: { price_change: state.id, consent: record.id, text_version: input.text_version },
            },
          ],
          correlationId: scope.requestId ?? null,
        });
        if (!next) throw new StaleWrite(`subscription ${row.id} changed`);
        await repo.moveChange(tx, scope, state.id, ["awaiting_consent", "consented", "declined"], {
          status: answer === "consent" ? "consented" : "declined",
          consent_record_id: record.id,
          updated_at: now,
        });
        return next;
      })
      .catch((error: unknown) => {
        if (error instanceof StaleWrite) return undefined;
        throw error;
      });
    if (written) return o.subscriptions.store.snapshot(db, scope, written);
  }
  throw new ApiError("CONFLICT", `Subscription ${subscriptionId} is changing concurrently; retry`);
}
