import type {
  CreatePaymentMethodInput,
  PaymentMethod,
  PaymentRouting,
  PaymentRoutingSettings,
  RoutePreviewInput,
  RoutingDecision,
} from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { Namespace, type Page } from "./resources.js";

/**
 * Customers' stored payment methods (`tessera.paymentMethods`): provider tokens, one per PSP that
 * vaulted the method, never card data. Routing only considers PSPs where the method exists.
 *
 * @example
 * await tessera.paymentMethods.create("cus_123", { providers: [{ name: "stripe", token: "pm_1N…" }], default: true });
 */
export class PaymentMethodsApi extends Namespace {
  /**
   * Stores a method by its provider token(s).
   *
   * @example
   * const method = await tessera.paymentMethods.create("cus_123", { providers: [{ name: "adyen", token: "8415…" }] });
   */
  create(customer: string, input: CreatePaymentMethodInput, options?: RequestOptions): Promise<PaymentMethod> {
    return this.call("POST", `/v1/customers/${seg(customer)}/payment-methods`, { ...options, json: input });
  }

  /**
   * The customer's methods, the default first.
   *
   * @example
   * const { data } = await tessera.paymentMethods.list("cus_123");
   */
  list(customer: string, options?: RequestOptions): Promise<Page<PaymentMethod>> {
    return this.call("GET", `/v1/customers/${seg(customer)}/payment-methods`, options);
  }

  /**
   * One stored method.
   *
   * @example
   * const method = await tessera.paymentMethods.retrieve("cus_123", "pm_123");
   */
  retrieve(customer: string, method: string, options?: RequestOptions): Promise<PaymentMethod> {
    return this.call("GET", `/v1/customers/${seg(customer)}/payment-methods/${seg(method)}`, options);
  }

  /**
   * Detaches a method: it is kept for the books but never charged again.
   *
   * @example
   * await tessera.paymentMethods.detach("cus_123", "pm_123");
   */
  detach(customer: string, method: string, options?: RequestOptions): Promise<PaymentMethod> {
    return this.call("DELETE", `/v1/customers/${seg(customer)}/payment-methods/${seg(method)}`, options);
  }

  /**
   * Makes a method the customer's default.
   *
   * @example
   * await tessera.paymentMethods.setDefault("cus_123", "pm_123");
   */
  setDefault(customer: string, method: string, options?: RequestOptions): Promise<PaymentMethod> {
    return this.call("POST", `/v1/customers/${seg(customer)}/payment-methods/${seg(method)}/default`, options);
  }
}

/**
 * How storefronts route payments between PSPs (`tessera.paymentRouting`): rules, fees,
 * preferences, and a dry run that explains its choice.
 *
 * @example
 * const decision = await tessera.paymentRouting.preview({ storefront: "web", amount: 999, currency: "EUR", country: "DE" });
 */
export class PaymentRoutingApi extends Namespace {
  /**
   * A storefront's routing settings.
   *
   * @example
   * const { settings } = await tessera.paymentRouting.retrieve("web");
   */
  retrieve(storefront: string, options?: RequestOptions): Promise<PaymentRouting> {
    return this.call("GET", `/v1/storefronts/${seg(storefront)}/payment-routing`, options);
  }

  /**
   * Replaces a storefront's routing settings.
   *
   * @example
   * await tessera.paymentRouting.update("web", { fees: [{ provider: "stripe", percent_bps: 140, fixed: 25 }] });
   */
  update(storefront: string, settings: PaymentRoutingSettings, options?: RequestOptions): Promise<PaymentRouting> {
    return this.call("PUT", `/v1/storefronts/${seg(storefront)}/payment-routing`, { ...options, json: settings });
  }

  /**
   * What routing would choose for a payment, and why (nothing is charged).
   *
   * @example
   * const { chosen, candidates } = await tessera.paymentRouting.preview({ storefront: "web", amount: 999, currency: "EUR" });
   */
  preview(input: RoutePreviewInput, options?: RequestOptions): Promise<RoutingDecision> {
    return this.call("POST", "/v1/payments/route-preview", { ...options, json: input });
  }
}
