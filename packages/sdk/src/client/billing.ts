import type {
  CancelSubscriptionInput,
  CapturePaymentInput,
  ChangePlanInput,
  ChannelNotification,
  CreatePaymentInput,
  CreateSubscriptionInput,
  Dispute,
  DisputeListParams,
  Payment,
  PaymentListParams,
  RefundPaymentInput,
  Subscription,
  SubscriptionListParams,
  UpdatePaymentMethodInput,
} from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { Namespace, type Page, paginate } from "./resources.js";

/**
 * Subscriptions of customers to prices (`tessera.subscriptions`). A declined charge throws a
 * `TesseraApiError` with status 402 and code `PAYMENT_FAILED` (its `problem` says which payment
 * and why); no reachable payment provider is a 503 and nothing was charged.
 */
export class SubscriptionsApi extends Namespace {
  /**
   * Subscribes a customer to a price: with a trial it starts `trial`; otherwise the first period
   * is charged now (a decline creates nothing).
   *
   * @example
   * const sub = await tessera.subscriptions.create({ customer: "cus_123", price: "price_123", payment_method: "pm_sandbox_ok" });
   */
  create(input: CreateSubscriptionInput, options?: RequestOptions): Promise<Subscription> {
    return this.call("POST", "/v1/subscriptions", { ...options, json: input });
  }

  /**
   * One page of subscriptions, newest first (filter by customer and status).
   *
   * @example
   * const { data } = await tessera.subscriptions.list({ customer: "cus_123", status: "active" });
   */
  list(params?: SubscriptionListParams, options?: RequestOptions): Promise<Page<Subscription>> {
    return this.call("GET", "/v1/subscriptions", { ...options, query: params });
  }

  /**
   * Every subscription that matches, fetching pages as the loop goes.
   *
   * @example
   * for await (const sub of tessera.subscriptions.all({ status: "grace" })) console.log(sub.id, sub.next_retry_at);
   */
  all(params?: SubscriptionListParams): AsyncGenerator<Subscription> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * A subscription with its status history and latest payment.
   *
   * @example
   * const { status, status_history } = await tessera.subscriptions.retrieve("sub_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<Subscription> {
    return this.call("GET", `/v1/subscriptions/${seg(id)}`, options);
  }

  /**
   * Cancels now, or at the end of the current period (undo that with {@link SubscriptionsApi.resume}).
   *
   * @example
   * await tessera.subscriptions.cancel("sub_123", { at_period_end: true });
   */
  cancel(id: string, input: CancelSubscriptionInput, options?: RequestOptions): Promise<Subscription> {
    return this.call("POST", `/v1/subscriptions/${seg(id)}/cancel`, { ...options, json: input });
  }

  /**
   * Unschedules a cancel at period end.
   *
   * @example
   * await tessera.subscriptions.resume("sub_123");
   */
  resume(id: string, options?: RequestOptions): Promise<Subscription> {
    return this.call("POST", `/v1/subscriptions/${seg(id)}/resume`, options);
  }

  /**
   * Switches to another price now (prorated and charged at once) or at the period end.
   *
   * @example
   * await tessera.subscriptions.changePlan("sub_123", { price: "price_team", proration: "now" });
   */
  changePlan(id: string, input: ChangePlanInput, options?: RequestOptions): Promise<Subscription> {
    return this.call("POST", `/v1/subscriptions/${seg(id)}/change-plan`, { ...options, json: input });
  }

  /**
   * Replaces the payment method used for the next charges.
   *
   * @example
   * await tessera.subscriptions.updatePaymentMethod("sub_123", { payment_method: "pm_sandbox_ok" });
   */
  updatePaymentMethod(id: string, input: UpdatePaymentMethodInput, options?: RequestOptions): Promise<Subscription> {
    return this.call("POST", `/v1/subscriptions/${seg(id)}/payment-method`, { ...options, json: input });
  }

  /**
   * Pays the unpaid period of a `grace` or `suspended` subscription now (after the customer
   * fixed their payment method, say).
   *
   * @example
   * await tessera.subscriptions.updatePaymentMethod("sub_123", { payment_method: "pm_sandbox_ok" });
   * const { status } = await tessera.subscriptions.retry("sub_123"); // "active" when paid
   */
  retry(id: string, options?: RequestOptions): Promise<Subscription> {
    return this.call("POST", `/v1/subscriptions/${seg(id)}/retry`, options);
  }

  /**
   * Every notification a store or partner sent about a subscription, with what it changed.
   *
   * @example
   * const { data } = await tessera.subscriptions.notifications("sub_123");
   */
  notifications(id: string, options?: RequestOptions): Promise<Page<ChannelNotification>> {
    return this.call("GET", `/v1/subscriptions/${seg(id)}/notifications`, options);
  }

  /**
   * Repairs a store-managed subscription from the vendor's current status.
   *
   * @example
   * const { status } = await tessera.subscriptions.refetch("sub_123");
   */
  refetch(id: string, options?: RequestOptions): Promise<ChannelNotification> {
    return this.call("POST", `/v1/subscriptions/${seg(id)}/refetch`, options);
  }
}

/** Payment attempts and refunds (`tessera.payments`). */
export class PaymentsApi extends Namespace {
  /**
   * One page of payment attempts, newest first (filter by customer, subscription, status).
   *
   * @example
   * const { data } = await tessera.payments.list({ subscription: "sub_123" });
   */
  list(params?: PaymentListParams, options?: RequestOptions): Promise<Page<Payment>> {
    return this.call("GET", "/v1/payments", { ...options, query: params });
  }

  /**
   * Every payment attempt that matches, fetching pages as the loop goes.
   *
   * @example
   * for await (const p of tessera.payments.all({ status: "failed" })) console.log(p.id, p.failure_code);
   */
  all(params?: PaymentListParams): AsyncGenerator<Payment> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * A payment attempt.
   *
   * @example
   * const payment = await tessera.payments.retrieve("pay_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<Payment> {
    return this.call("GET", `/v1/payments/${seg(id)}`, options);
  }

  /**
   * Refunds all (default) or part of a succeeded payment; the subscription is not changed.
   *
   * @example
   * await tessera.payments.refund("pay_123", { amount: 500, reason: "goodwill" });
   */
  refund(id: string, input: RefundPaymentInput = {}, options?: RequestOptions): Promise<Payment> {
    return this.call("POST", `/v1/payments/${seg(id)}/refund`, { ...options, json: input });
  }

  /**
   * A one-off payment: captured at once, or with `capture: false` only authorized (then capture or void it).
   *
   * @example
   * const hold = await tessera.payments.create({ customer: "cus_123", amount: 5000, currency: "EUR", capture: false });
   */
  create(input: CreatePaymentInput, options?: RequestOptions): Promise<Payment> {
    return this.call("POST", "/v1/payments", { ...options, json: input });
  }

  /**
   * Captures all (default) or part of an authorized payment; a partial capture releases the rest.
   *
   * @example
   * await tessera.payments.capture("pay_123", { amount: 3000 });
   */
  capture(id: string, input: CapturePaymentInput = {}, options?: RequestOptions): Promise<Payment> {
    return this.call("POST", `/v1/payments/${seg(id)}/capture`, { ...options, json: input });
  }

  /**
   * Releases an uncaptured authorization.
   *
   * @example
   * await tessera.payments.void("pay_123");
   */
  void(id: string, options?: RequestOptions): Promise<Payment> {
    return this.call("POST", `/v1/payments/${seg(id)}/void`, options);
  }
}

/** Chargebacks the PSPs reported (`tessera.disputes`); each is also on its payment (`payment.dispute`). */
export class DisputesApi extends Namespace {
  /**
   * One page of disputes, newest payment first (filter by status, payment, customer).
   *
   * @example
   * const { data } = await tessera.disputes.list({ status: "open" });
   */
  list(params?: DisputeListParams, options?: RequestOptions): Promise<Page<Dispute>> {
    return this.call("GET", "/v1/disputes", { ...options, query: params });
  }

  /**
   * Every dispute that matches, fetching pages as the loop goes.
   *
   * @example
   * for await (const d of tessera.disputes.all({ status: "lost" })) console.log(d.payment, d.amount);
   */
  all(params?: DisputeListParams): AsyncGenerator<Dispute> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * A dispute.
   *
   * @example
   * const dispute = await tessera.disputes.retrieve("dsp_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<Dispute> {
    return this.call("GET", `/v1/disputes/${seg(id)}`, options);
  }
}
