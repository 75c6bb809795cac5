import type {
  ConsentRecord,
  CurrentConsents,
  EraseCustomerInput,
  PrivacyExportArchive,
  PrivacyRequest,
  RecordConsentInput,
  RetentionPolicy,
  RetentionRun,
  UpdateRetentionPolicyInput,
} from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { type ListParams, Namespace, type Page } from "./resources.js";

/**
 * A customer's data rights (`tessera.privacy`): export everything held about them, erase it.
 *
 * @example
 * const request = await tessera.privacy.export("cus_123");
 */
export class PrivacyApi extends Namespace {
  /**
   * Starts an export of everything held about the customer; a job builds the archive and
   * `customer.privacy_export_ready` says when it can be downloaded (once).
   *
   * @example
   * const { id } = await tessera.privacy.export("cus_123");
   */
  export(customer: string, options?: RequestOptions): Promise<PrivacyRequest> {
    return this.call("POST", `/v1/customers/${seg(customer)}/privacy/export`, options);
  }

  /**
   * Erases the customer's personal data everywhere; live subscriptions are cancelled first or the
   * request is refused, as `active_subscriptions` says.
   *
   * @example
   * await tessera.privacy.erase("cus_123", { active_subscriptions: "cancel" });
   */
  erase(customer: string, input: EraseCustomerInput = {}, options?: RequestOptions): Promise<PrivacyRequest> {
    return this.call("POST", `/v1/customers/${seg(customer)}/privacy/erase`, { ...options, json: input });
  }

  /**
   * The customer's export and erasure requests, newest first.
   *
   * @example
   * const { data } = await tessera.privacy.listRequests("cus_123");
   */
  listRequests(customer: string, options?: RequestOptions): Promise<Page<PrivacyRequest>> {
    return this.call("GET", `/v1/customers/${seg(customer)}/privacy/requests`, options);
  }

  /**
   * One export or erasure request, with its status.
   *
   * @example
   * const { status } = await tessera.privacy.retrieveRequest("prq_123");
   */
  retrieveRequest(id: string, options?: RequestOptions): Promise<PrivacyRequest> {
    return this.call("GET", `/v1/privacy-requests/${seg(id)}`, options);
  }

  /**
   * Downloads a ready export's archive. It can be downloaded once.
   *
   * @example
   * const archive = await tessera.privacy.downloadArchive("prq_123");
   */
  downloadArchive(id: string, options?: RequestOptions): Promise<PrivacyExportArchive> {
    return this.call("GET", `/v1/privacy-requests/${seg(id)}/archive`, options);
  }
}

/**
 * Consent records of customers (`tessera.consents`): given or withdrawn, how, and which text.
 *
 * @example
 * await tessera.consents.record("cus_123", { purpose: "marketing_email", status: "granted", method: "web_form", text_version: "v3" });
 */
export class ConsentsApi extends Namespace {
  /**
   * Records a consent given or withdrawn.
   *
   * @example
   * await tessera.consents.record("cus_123", { purpose: "price_change", status: "granted", method: "app", text_version: "2026-12" });
   */
  record(customer: string, input: RecordConsentInput, options?: RequestOptions): Promise<ConsentRecord> {
    return this.call("POST", `/v1/customers/${seg(customer)}/consents`, { ...options, json: input });
  }

  /**
   * The customer's current consent for each purpose.
   *
   * @example
   * const consents = await tessera.consents.current("cus_123");
   */
  current(customer: string, options?: RequestOptions): Promise<CurrentConsents> {
    return this.call("GET", `/v1/customers/${seg(customer)}/consents`, options);
  }

  /**
   * The customer's consent history, newest first, optionally for one purpose.
   *
   * @example
   * const { data } = await tessera.consents.history("cus_123", { purpose: "marketing_email" });
   */
  history(
    customer: string,
    params?: ListParams & { purpose?: string },
    options?: RequestOptions,
  ): Promise<Page<ConsentRecord>> {
    return this.call("GET", `/v1/customers/${seg(customer)}/consents/history`, { ...options, query: params });
  }
}

/**
 * This environment's retention policy and its runs (`tessera.retention`).
 *
 * @example
 * await tessera.retention.updatePolicy({ webhook_delivery_log_days: 30 });
 */
export class RetentionApi extends Namespace {
  /**
   * How long each kind of record is kept.
   *
   * @example
   * const policy = await tessera.retention.retrievePolicy();
   */
  retrievePolicy(options?: RequestOptions): Promise<RetentionPolicy> {
    return this.call("GET", "/v1/retention-policy", options);
  }

  /**
   * Changes the retention policy (null keeps a kind of record for ever).
   *
   * @example
   * await tessera.retention.updatePolicy({ event_days: 365, anonymize_after_months: 24 });
   */
  updatePolicy(input: UpdateRetentionPolicyInput, options?: RequestOptions): Promise<RetentionPolicy> {
    return this.call("PATCH", "/v1/retention-policy", { ...options, json: input });
  }

  /**
   * Applies the policy now (it also runs daily) and reports what it removed.
   *
   * @example
   * const run = await tessera.retention.run();
   */
  run(options?: RequestOptions): Promise<RetentionRun> {
    return this.call("POST", "/v1/retention-runs", options);
  }

  /**
   * Past runs, newest first.
   *
   * @example
   * const { data } = await tessera.retention.listRuns();
   */
  listRuns(options?: RequestOptions): Promise<Page<RetentionRun>> {
    return this.call("GET", "/v1/retention-runs", options);
  }
}
