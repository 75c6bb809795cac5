import type {
  EnterSafeModeInput,
  SafeMode,
  TrialEligibility,
  TrialIdentityInput,
  TrialPolicy,
  UpdateTrialPolicyInput,
} from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { Namespace, type Page } from "./resources.js";

/**
 * Trial eligibility (`tessera.trials`): each storefront's policy (one trial per customer, e-mail,
 * card, device or line, within a look-back window) and the answer for one customer, with the rule
 * that decided.
 *
 * @example
 * const { eligible, rule } = await tessera.trials.eligibility("cus_123", { price: "price_123" });
 */
export class TrialsApi extends Namespace {
  /**
   * A storefront's trial policy.
   *
   * @example
   * const policy = await tessera.trials.retrievePolicy("web");
   */
  retrievePolicy(storefront: string, options?: RequestOptions): Promise<TrialPolicy> {
    return this.call("GET", `/v1/storefronts/${seg(storefront)}/trial-policy`, options);
  }

  /**
   * Changes a storefront's trial policy.
   *
   * @example
   * await tessera.trials.updatePolicy("web", { one_per: ["customer", "email"], lookback_days: 365, on_ineligible: "refuse" });
   */
  updatePolicy(storefront: string, input: UpdateTrialPolicyInput, options?: RequestOptions): Promise<TrialPolicy> {
    return this.call("PATCH", `/v1/storefronts/${seg(storefront)}/trial-policy`, { ...options, json: input });
  }

  /**
   * Whether the customer may start a trial of a price, with the deciding rule. Nothing is claimed.
   *
   * @example
   * const answer = await tessera.trials.eligibility("cus_123", { price: "price_123", device_id: "idfv-123" });
   */
  eligibility(
    customer: string,
    params: { price: string } & TrialIdentityInput,
    options?: RequestOptions,
  ): Promise<TrialEligibility> {
    return this.call("GET", `/v1/customers/${seg(customer)}/eligibility`, { ...options, query: params });
  }
}

/**
 * Safe mode (`tessera.safeMode`): an operator holds new charges of one provider or of the whole
 * environment; renewals wait in the queue and go on when it ends.
 *
 * @example
 * const hold = await tessera.safeMode.enter({ provider: "stripe", reason: "PSP incident" });
 */
export class SafeModeApi extends Namespace {
  /**
   * Holds new charges of a provider (or, without one, of the environment).
   *
   * @example
   * await tessera.safeMode.enter({ reason: "bank holiday freeze" });
   */
  enter(input: EnterSafeModeInput, options?: RequestOptions): Promise<SafeMode> {
    return this.call("POST", "/v1/safe-mode", { ...options, json: input });
  }

  /**
   * Current and past holds, newest first.
   *
   * @example
   * const { data } = await tessera.safeMode.list();
   */
  list(options?: RequestOptions): Promise<Page<SafeMode>> {
    return this.call("GET", "/v1/safe-mode", options);
  }

  /**
   * Ends a hold; the charges it queued go on at once.
   *
   * @example
   * await tessera.safeMode.exit("sfm_123");
   */
  exit(id: string, options?: RequestOptions): Promise<SafeMode> {
    return this.call("POST", `/v1/safe-mode/${seg(id)}/exit`, options);
  }
}
