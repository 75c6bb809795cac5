import type {
  ApplyDiscountInput,
  CampaignOffer,
  Coupon,
  CreateCouponInput,
  CreatePromotionCodeInput,
  DeletionResult,
  Discount,
  PromotionCode,
  Redemption,
  RedemptionListParams,
  UpdateCouponInput,
} from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { type ListParams, Namespace, type Page } from "./resources.js";

/**
 * Campaigns (`tessera.campaigns`): coupons and promotion codes, discounts on subscriptions,
 * offers of triggered campaigns, and the redemption ledger. New subscriptions redeem a code with
 * `promotion_code` (or `coupon`) in `tessera.subscriptions.create`.
 *
 * @example
 * const coupon = await tessera.campaigns.createCoupon({ name: "Spring", percent_off: 25, duration: "once" });
 */
export class CampaignsApi extends Namespace {
  /**
   * Creates a coupon.
   *
   * @example
   * await tessera.campaigns.createCoupon({ name: "Spring", amounts_off: { EUR: 300 }, duration: "repeating", duration_in_periods: 3 });
   */
  createCoupon(input: CreateCouponInput, options?: RequestOptions): Promise<Coupon> {
    return this.call("POST", "/v1/coupons", { ...options, json: input });
  }

  /**
   * Lists coupons, newest first.
   *
   * @example
   * const { data } = await tessera.campaigns.listCoupons({ status: "active" });
   */
  listCoupons(
    params: ListParams & { status?: "active" | "archived" } = {},
    options?: RequestOptions,
  ): Promise<Page<Coupon>> {
    return this.call("GET", "/v1/coupons", { ...options, query: params });
  }

  /**
   * One coupon, with how often it was redeemed.
   *
   * @example
   * const { times_redeemed } = await tessera.campaigns.retrieveCoupon("cpn_123");
   */
  retrieveCoupon(id: string, options?: RequestOptions): Promise<Coupon> {
    return this.call("GET", `/v1/coupons/${seg(id)}`, options);
  }

  /**
   * Changes a coupon's name, end, overall limit, velocity or metadata.
   *
   * @example
   * await tessera.campaigns.updateCoupon("cpn_123", { max_redemptions: 500 });
   */
  updateCoupon(id: string, input: UpdateCouponInput, options?: RequestOptions): Promise<Coupon> {
    return this.call("PATCH", `/v1/coupons/${seg(id)}`, { ...options, json: input });
  }

  /**
   * Deletes a coupon never redeemed, or archives one that was.
   *
   * @example
   * const { deleted, archived } = await tessera.campaigns.deleteCoupon("cpn_123");
   */
  deleteCoupon(id: string, options?: RequestOptions): Promise<DeletionResult> {
    return this.call("DELETE", `/v1/coupons/${seg(id)}`, options);
  }

  /**
   * Creates a promotion code for a coupon.
   *
   * @example
   * await tessera.campaigns.createPromotionCode({ coupon: "cpn_123", code: "SPRING25" });
   */
  createPromotionCode(input: CreatePromotionCodeInput, options?: RequestOptions): Promise<PromotionCode> {
    return this.call("POST", "/v1/promotion-codes", { ...options, json: input });
  }

  /**
   * Lists promotion codes, by coupon, code or status.
   *
   * @example
   * const { data } = await tessera.campaigns.listPromotionCodes({ code: "spring25" });
   */
  listPromotionCodes(
    params: ListParams & { coupon?: string; code?: string; status?: "active" | "archived" } = {},
    options?: RequestOptions,
  ): Promise<Page<PromotionCode>> {
    return this.call("GET", "/v1/promotion-codes", { ...options, query: params });
  }

  /**
   * One promotion code.
   *
   * @example
   * const code = await tessera.campaigns.retrievePromotionCode("promo_123");
   */
  retrievePromotionCode(id: string, options?: RequestOptions): Promise<PromotionCode> {
    return this.call("GET", `/v1/promotion-codes/${seg(id)}`, options);
  }

  /**
   * Archives a promotion code: refused from now on.
   *
   * @example
   * await tessera.campaigns.archivePromotionCode("promo_123");
   */
  archivePromotionCode(id: string, options?: RequestOptions): Promise<PromotionCode> {
    return this.call("POST", `/v1/promotion-codes/${seg(id)}/archive`, options);
  }

  /**
   * The redemption ledger: every redemption and refusal with its checks, newest first.
   *
   * @example
   * const { data } = await tessera.campaigns.listRedemptions({ customer: "cus_123" });
   */
  listRedemptions(params: RedemptionListParams = {}, options?: RequestOptions): Promise<Page<Redemption>> {
    return this.call("GET", "/v1/campaigns/redemptions", { ...options, query: params });
  }

  /**
   * Redeems a promotion code or coupon on an existing subscription, from its next period.
   *
   * @example
   * await tessera.campaigns.applyDiscount("sub_123", { promotion_code: "SPRING25" });
   */
  applyDiscount(subscription: string, input: ApplyDiscountInput, options?: RequestOptions): Promise<Discount> {
    return this.call("POST", `/v1/subscriptions/${seg(subscription)}/discount`, { ...options, json: input });
  }

  /**
   * The subscription's active discount.
   *
   * @example
   * const discount = await tessera.campaigns.retrieveDiscount("sub_123");
   */
  retrieveDiscount(subscription: string, options?: RequestOptions): Promise<Discount> {
    return this.call("GET", `/v1/subscriptions/${seg(subscription)}/discount`, options);
  }

  /**
   * Ends the subscription's discount now.
   *
   * @example
   * await tessera.campaigns.removeDiscount("sub_123");
   */
  removeDiscount(subscription: string, options?: RequestOptions): Promise<Discount> {
    return this.call("DELETE", `/v1/subscriptions/${seg(subscription)}/discount`, options);
  }

  /**
   * Offers a customer a campaign whose trigger is `api` (needs `campaigns:offer`).
   *
   * @example
   * const offer = await tessera.campaigns.offer("cus_123", { coupon: "cpn_123" });
   */
  offer(customer: string, input: { coupon: string }, options?: RequestOptions): Promise<CampaignOffer> {
    return this.call("POST", `/v1/customers/${seg(customer)}/campaign-offers`, { ...options, json: input });
  }

  /**
   * The customer's campaign offers (latest 100).
   *
   * @example
   * const { data } = await tessera.campaigns.listOffers("cus_123");
   */
  listOffers(customer: string, options?: RequestOptions): Promise<{ object: "list"; data: CampaignOffer[] }> {
    return this.call("GET", `/v1/customers/${seg(customer)}/campaign-offers`, options);
  }
}
