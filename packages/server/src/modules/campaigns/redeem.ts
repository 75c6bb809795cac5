import type { Discount, Redemption } from "@tessera/core";
import { sql } from "kysely";
import type { Deps, Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { CampaignRedemptionRow, CouponRow, Db, DiscountRow, PromotionCodeRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { AuditRecorder } from "../audit/service.js";
import { decideRedemption, type RedemptionTarget } from "./checks.js";
import { toDiscount, toRedemption } from "./model.js";
import { lastPeriodOf } from "./money.js";
import * as repo from "./repo.js";

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

/** Thrown inside release's transaction to undo it: the discount was announced meanwhile. */
class AlreadyAnnounced extends Error {}

export interface RedeemRequest {
  target: RedemptionTarget;
  promotionCode?: string | undefined;
  couponId?: string | undefined;
  /** The payment method's fingerprint, for the per-fingerprint velocity limit. */
  fingerprint: string | null;
  subscriptionId: string;
  /** The first period the discount takes money off. */
  firstPeriod: number;
  customerHadSubscription: boolean;
}

export interface Redeemed {
  discount: DiscountRow;
  redemption: CampaignRedemptionRow;
}

/**
 * Redemption: resolve the code, then decide and write in one transaction under a lock on the
 * coupon (a Postgres advisory lock; SQLite runs one writer at a time), so the counts the checks
 * read cannot change before the counters move — parallel requests never redeem past a limit. The
 * counter updates are conditional as well, a second fence. A refusal is committed to the ledger
 * (with every check) and then thrown as its problem.
 */
export function redemptions(deps: Deps, o: { audit?: AuditRecorder | undefined }) {
  const { db } = deps;
  const fingerprintDigest = (scope: Scope, value: string) =>
    deps.secrets.digest(value, `campaign/${scope.tenantId}/fingerprint`);

  function ledgerRow(
    scope: Scope,
    r: RedeemRequest,
    fields: Pick<CampaignRedemptionRow, "outcome" | "code" | "coupon_id" | "promotion_code_id" | "checks">,
  ): CampaignRedemptionRow {
    return {
      id: newId("redemption"),
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      customer_id: r.target.customerId,
      subscription_id: r.subscriptionId,
      fingerprint_digest: r.fingerprint ? fingerprintDigest(scope, r.fingerprint) : null,
      request_id: scope.requestId ?? null,
      created_at: isoNow(scope.clock),
      ...fields,
    };
  }

  async function audit(tx: Db, scope: Scope, row: CampaignRedemptionRow, reason: string) {
    await o.audit?.record(tx, scope, {
      kind: "decision",
      action: "campaign.redemption",
      object: { id: row.id, object: "redemption" },
      reason,
      data: {
        outcome: row.outcome,
        code: row.code,
        coupon: row.coupon_id,
        promotion_code: row.promotion_code_id,
        customer: row.customer_id,
        subscription: row.subscription_id,
        checks: fromJson(row.checks, []),
      },
    });
  }

  async function refuse(
    scope: Scope,
    r: RedeemRequest,
    code: ApiError["code"],
    detail: string,
    fields: Pick<CampaignRedemptionRow, "coupon_id" | "promotion_code_id" | "checks">,
    tx?: Db,
  ): Promise<ApiError> {
    const row = ledgerRow(scope, r, { outcome: "refused", code, ...fields });
    const write = async (d: Db) => {
      await repo.insertRedemption(d, row);
      await audit(d, scope, row, detail);
    };
    if (tx) await write(tx);
    else await db.transaction().execute(write);
    const path = r.promotionCode !== undefined ? "promotion_code" : "coupon";
    return new ApiError(code, detail, {
      errors: [{ path, message: detail }],
      extensions: { redemption: row.id },
    });
  }

  async function resolve(scope: Scope, r: RedeemRequest): Promise<{ coupon: CouponRow; code?: PromotionCodeRow }> {
    if (r.promotionCode !== undefined) {
      const code = await repo.findPromotionCodeByCode(db, scope, r.promotionCode);
      const coupon = code && (await repo.findCoupon(db, scope, code.coupon_id));
      if (!code || !coupon) {
        // Unknown codes are in the ledger too: guessing codes is what velocity limits are for.
        throw await refuse(scope, r, "COUPON_NOT_REDEEMABLE", "No such promotion code", {
          coupon_id: null,
          promotion_code_id: null,
          checks: toJson([{ check: "promotion_code_exists", passed: false, detail: "no such promotion code" }]),
        });
      }
      return { coupon, code };
    }
    return { coupon: await repo.requireCouponField(db, scope, r.couponId ?? "") };
  }

  return {
    /** Decides and, when every check passes, counts the redemption and puts the discount on. */
    async redeem(scope: Scope, r: RedeemRequest): Promise<Redeemed> {
      const found = await resolve(scope, r);
      const outcome = await db.transaction().execute(async (tx) => {
        if (deps.dialect === "postgres")
          await sql`select pg_advisory_xact_lock(hashtext(${`campaign:${found.coupon.id}`}))`.execute(tx);
        const coupon = (await repo.findCoupon(tx, scope, found.coupon.id)) ?? found.coupon;
        const code = found.code && ((await repo.findPromotionCode(tx, scope, found.code.id)) ?? found.code);
        const now = isoNow(scope.clock);
        const nowMs = scope.clock.now().getTime();
        const digest = r.fingerprint ? fingerprintDigest(scope, r.fingerprint) : undefined;
        const offer = await repo.openOffer(tx, scope, r.target.customerId, coupon.id, now);
        const decision = decideRedemption(coupon, code, r.target, {
          now,
          customerRedemptions: await repo.countRedemptions(tx, scope, {
            coupon: coupon.id,
            customer: r.target.customerId,
          }),
          customerHadSubscription: r.customerHadSubscription,
          codeLastHour: await repo.countRedemptions(tx, scope, {
            coupon: coupon.id,
            promotionCode: code?.id ?? null,
            since: new Date(nowMs - HOUR_MS).toISOString(),
          }),
          fingerprintLastDay: digest
            ? await repo.countRedemptions(tx, scope, {
                coupon: coupon.id,
                fingerprintDigest: digest,
                since: new Date(nowMs - DAY_MS).toISOString(),
              })
            : null,
          hasOpenOffer: offer !== undefined,
        });
        const ids = { coupon_id: coupon.id, promotion_code_id: code?.id ?? null, checks: toJson(decision.checks) };
        const refusal = decision.refusal;
        if (refusal) {
          return { error: await refuse(scope, r, refusal.code, `${refusal.check}: ${refusal.detail}`, ids, tx) };
        }
        if (!(await repo.countRedemption(tx, scope, "coupons", coupon.id, now)))
          throw new Error(`coupon ${coupon.id} passed its limit check under the lock but its counter refused`);
        if (code && !(await repo.countRedemption(tx, scope, "promotion_codes", code.id, now)))
          throw new Error(`promotion code ${code.id} passed its limit check under the lock but its counter refused`);
        if (offer)
          await tx
            .updateTable("campaign_offers")
            .set({ redeemed_at: now })
            .where(inScope(scope))
            .where("id", "=", offer.id)
            .where("redeemed_at", "is", null)
            .execute();
        const redemption = ledgerRow(scope, r, { outcome: "redeemed", code: null, ...ids });
        if (digest) redemption.fingerprint_digest = digest;
        await repo.insertRedemption(tx, redemption);
        await audit(tx, scope, redemption, `every check passed for coupon ${coupon.id}`);
        const discount: DiscountRow = {
          id: newId("discount"),
          tenant_id: scope.tenantId,
          environment_id: scope.environmentId,
          subscription_id: r.subscriptionId,
          customer_id: r.target.customerId,
          coupon_id: coupon.id,
          promotion_code_id: code?.id ?? null,
          redemption_id: redemption.id,
          first_period: r.firstPeriod,
          last_period: lastPeriodOf(coupon.duration, coupon.duration_in_periods, r.firstPeriod),
          status: "active",
          ended_at: null,
          created_at: now,
          // Set with its `discount.applied` event, in the caller's next transaction (service.ts).
          announced_at: null,
        };
        // One discount at a time: a new one replaces the one before.
        await tx
          .updateTable("discounts")
          .set({ status: "ended", ended_at: now })
          .where(inScope(scope))
          .where("subscription_id", "=", r.subscriptionId)
          .where("status", "=", "active")
          .execute();
        await tx.insertInto("discounts").values(discount).execute();
        return { redeemed: { discount, redemption } };
      });
      if ("error" in outcome) throw outcome.error;
      return outcome.redeemed;
    },

    /**
     * Gives a redemption back: the subscription it was for was not created. Only a claim not yet
     * announced is given back (an announced discount belongs to a subscription that exists);
     * false when there was nothing to give back.
     */
    async release(scope: Scope, redeemed: Redeemed, reason?: string): Promise<boolean> {
      return db
        .transaction()
        .execute(async (tx) => {
          const { discount, redemption } = redeemed;
          const done = await tx
            .updateTable("campaign_redemptions")
            .set({ outcome: "released" })
            .where(inScope(scope))
            .where("id", "=", redemption.id)
            .where("outcome", "=", "redeemed")
            .executeTakeFirst();
          if (Number(done.numUpdatedRows) !== 1) return false;
          const removed = await tx
            .deleteFrom("discounts")
            .where(inScope(scope))
            .where("id", "=", discount.id)
            .where("announced_at", "is", null)
            .executeTakeFirst();
          // Announced meanwhile: its subscription exists, the redemption stands (nothing is written).
          if (Number(removed.numDeletedRows) !== 1) throw new AlreadyAnnounced();
          await repo.uncountRedemption(tx, scope, "coupons", discount.coupon_id);
          if (discount.promotion_code_id)
            await repo.uncountRedemption(tx, scope, "promotion_codes", discount.promotion_code_id);
          await tx
            .updateTable("campaign_offers")
            .set({ redeemed_at: null })
            .where(inScope(scope))
            .where("customer_id", "=", discount.customer_id)
            .where("coupon_id", "=", discount.coupon_id)
            .where("redeemed_at", "=", discount.created_at)
            .execute();
          if (reason)
            await o.audit?.record(tx, scope, {
              kind: "outcome",
              action: "campaign.redemption_released",
              object: { id: redemption.id, object: "redemption" },
              reason,
              data: { coupon: discount.coupon_id, discount: discount.id, subscription: discount.subscription_id },
            });
          return true;
        })
        .catch((error) => {
          if (error instanceof AlreadyAnnounced) return false;
          throw error;
        });
    },

    views: (r: Redeemed): { discount: Discount; redemption: Redemption } => ({
      discount: toDiscount(r.discount),
      redemption: toRedemption(r.redemption),
    }),
  };
}

export type Redemptions = ReturnType<typeof redemptions>;
