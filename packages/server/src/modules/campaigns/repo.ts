import { type ExpressionBuilder, sql } from "kysely";
import { inScope, type ScopeIds } from "../../db/scope.js";
import type {
  CampaignOfferRow,
  CampaignRedemptionRow,
  CouponRow,
  Database,
  Db,
  DiscountApplicationsTable,
  DiscountRow,
  PromotionCodeRow,
} from "../../db/types.js";
import { ApiError } from "../../errors.js";
import { fromJson } from "../../lib/json.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";
import { preparedQuery } from "../../lib/prepared.js";

export function findCoupon(db: Db, scope: ScopeIds, id: string): Promise<CouponRow | undefined> {
  return db.selectFrom("coupons").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

/** A coupon named in a request body: an unknown one is a field error (400), not a 404 of the route. */
export async function requireCouponField(db: Db, scope: ScopeIds, id: string): Promise<CouponRow> {
  const row = await findCoupon(db, scope, id);
  if (!row)
    throw new ApiError("VALIDATION_FAILED", `No coupon "${id}"`, {
      errors: [{ path: "coupon", message: "no such coupon in this environment" }],
    });
  return row;
}

export function pageCoupons(db: Db, scope: ScopeIds, page: PageQuery, status?: CouponRow["status"]) {
  let q = db.selectFrom("coupons").selectAll().where(inScope(scope));
  if (status) q = q.where("status", "=", status);
  return paginate(q, "id", page);
}

export function findPromotionCode(db: Db, scope: ScopeIds, id: string): Promise<PromotionCodeRow | undefined> {
  return db.selectFrom("promotion_codes").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

export function findPromotionCodeByCode(db: Db, scope: ScopeIds, code: string): Promise<PromotionCodeRow | undefined> {
  return db
    .selectFrom("promotion_codes")
    .selectAll()
    .where(inScope(scope))
    .where("code_key", "=", code.toUpperCase())
    .executeTakeFirst();
}

export function pagePromotionCodes(
  db: Db,
  scope: ScopeIds,
  page: PageQuery,
  f: { coupon?: string | undefined; code?: string | undefined; status?: PromotionCodeRow["status"] | undefined },
) {
  let q = db.selectFrom("promotion_codes").selectAll().where(inScope(scope));
  if (f.coupon) q = q.where("coupon_id", "=", f.coupon);
  if (f.code) q = q.where("code_key", "=", f.code.toUpperCase());
  if (f.status) q = q.where("status", "=", f.status);
  return paginate(q, "id", page);
}

/** +1 unless the limit is reached: false when it is (the lock makes this a second fence, not the first). */
export async function countRedemption(
  db: Db,
  scope: ScopeIds,
  table: "coupons" | "promotion_codes",
  id: string,
  now: string,
): Promise<boolean> {
  const underLimit = (eb: ExpressionBuilder<Database, "coupons" | "promotion_codes">) =>
    eb.or([eb("max_redemptions", "is", null), eb("times_redeemed", "<", eb.ref("max_redemptions"))]);
  const result =
    table === "coupons"
      ? await db
          .updateTable("coupons")
          .set({ times_redeemed: sql`times_redeemed + 1`, updated_at: now })
          .where(inScope(scope))
          .where("id", "=", id)
          .where(underLimit)
          .executeTakeFirst()
      : await db
          .updateTable("promotion_codes")
          .set({ times_redeemed: sql`times_redeemed + 1` })
          .where(inScope(scope))
          .where("id", "=", id)
          .where(underLimit)
          .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function uncountRedemption(db: Db, scope: ScopeIds, table: "coupons" | "promotion_codes", id: string) {
  await db
    .updateTable(table)
    .set({ times_redeemed: sql`times_redeemed - 1` })
    .where(inScope(scope))
    .where("id", "=", id)
    .where("times_redeemed", ">", 0)
    .execute();
}

export async function countRedemptions(
  db: Db,
  scope: ScopeIds,
  f: {
    coupon: string;
    customer?: string;
    promotionCode?: string | null;
    fingerprintDigest?: string;
    since?: string;
  },
): Promise<number> {
  let q = db
    .selectFrom("campaign_redemptions")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where(inScope(scope))
    .where("coupon_id", "=", f.coupon)
    .where("outcome", "=", "redeemed");
  if (f.customer) q = q.where("customer_id", "=", f.customer);
  if (f.promotionCode !== undefined)
    q =
      f.promotionCode === null
        ? q.where("promotion_code_id", "is", null)
        : q.where("promotion_code_id", "=", f.promotionCode);
  if (f.fingerprintDigest) q = q.where("fingerprint_digest", "=", f.fingerprintDigest);
  if (f.since) q = q.where("created_at", ">=", f.since);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export async function insertRedemption(db: Db, row: CampaignRedemptionRow): Promise<void> {
  await db.insertInto("campaign_redemptions").values(row).execute();
}

export function findRedemption(db: Db, scope: ScopeIds, id: string) {
  return db
    .selectFrom("campaign_redemptions")
    .selectAll()
    .where(inScope(scope))
    .where("id", "=", id)
    .executeTakeFirst();
}

export function pageRedemptions(
  db: Db,
  scope: ScopeIds,
  page: PageQuery,
  f: { coupon?: string; promotion_code?: string; customer?: string; outcome?: CampaignRedemptionRow["outcome"] },
) {
  let q = db.selectFrom("campaign_redemptions").selectAll().where(inScope(scope));
  if (f.coupon) q = q.where("coupon_id", "=", f.coupon);
  if (f.promotion_code) q = q.where("promotion_code_id", "=", f.promotion_code);
  if (f.customer) q = q.where("customer_id", "=", f.customer);
  if (f.outcome) q = q.where("outcome", "=", f.outcome);
  return paginate(q, "id", page);
}

// Every charge asks: compiled once (lib/prepared.ts).
const activeDiscountOf = preparedQuery(["tenant", "env", "subscription"], (db: Db, p) =>
  db
    .selectFrom("discounts")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("subscription_id", "=", p.subscription)
    .where("status", "=", "active")
    .orderBy("id", "desc"),
);

export async function activeDiscount(
  db: Db,
  scope: ScopeIds,
  subscriptionId: string,
): Promise<DiscountRow | undefined> {
  const found = await activeDiscountOf(db, {
    tenant: scope.tenantId,
    env: scope.environmentId,
    subscription: subscriptionId,
  });
  return found.rows[0];
}

export function findDiscount(db: Db, scope: ScopeIds, id: string): Promise<DiscountRow | undefined> {
  return db.selectFrom("discounts").selectAll().where(inScope(scope)).where("id", "=", id).executeTakeFirst();
}

/** Marks a discount announced, once: false when it was already, or is gone (released). */
export async function markAnnounced(db: Db, scope: ScopeIds, id: string, now: string): Promise<boolean> {
  const done = await db
    .updateTable("discounts")
    .set({ announced_at: now })
    .where(inScope(scope))
    .where("id", "=", id)
    .where("announced_at", "is", null)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** Active discounts never announced, of every tenant, oldest first (the campaigns sweep; system access). */
export function unannouncedDiscounts(db: Db, limit: number): Promise<DiscountRow[]> {
  return db
    .selectFrom("discounts")
    .selectAll()
    .where("announced_at", "is", null)
    .where("status", "=", "active")
    .orderBy("created_at")
    .limit(limit)
    .execute();
}

export async function insertApplication(db: Db, row: DiscountApplicationsTable): Promise<void> {
  await db
    .insertInto("discount_applications")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["environment_id", "subscription_id", "period_index", "kind", "gross_amount"]).doNothing(),
    )
    .execute();
}

/** What a charge of `net` for the period took off, if a discount did. */
export function findApplication(
  db: Db,
  scope: ScopeIds,
  c: { subscriptionId: string; periodIndex: number; kind: string; net: number },
) {
  return db
    .selectFrom("discount_applications")
    .selectAll()
    .where(inScope(scope))
    .where("subscription_id", "=", c.subscriptionId)
    .where("period_index", "=", c.periodIndex)
    .where("kind", "=", c.kind)
    .where(sql<boolean>`gross_amount - discount_amount = ${c.net}`)
    .executeTakeFirst();
}

export function openOffer(
  db: Db,
  scope: ScopeIds,
  customerId: string,
  couponId: string,
  now: string,
): Promise<CampaignOfferRow | undefined> {
  return db
    .selectFrom("campaign_offers")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("coupon_id", "=", couponId)
    .where("redeemed_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("expires_at")
    .executeTakeFirst();
}

export async function countOffers(db: Db, scope: ScopeIds, customerId: string, couponId: string, since: string) {
  const row = await db
    .selectFrom("campaign_offers")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("coupon_id", "=", couponId)
    .where("created_at", ">=", since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Active coupons whose trigger is `type` (the JSON column holds `{"type":"…",…}`). */
export async function triggeredCoupons(db: Db, scope: ScopeIds, type: string): Promise<CouponRow[]> {
  const rows = await db
    .selectFrom("coupons")
    .selectAll()
    .where(inScope(scope))
    .where("status", "=", "active")
    .where("trigger", "is not", null)
    .execute();
  return rows.filter((r) => fromJson<{ type?: string } | null>(r.trigger, null)?.type === type);
}
