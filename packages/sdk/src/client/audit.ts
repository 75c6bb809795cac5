import type { AuditLineage, AuditListParams, AuditRecord } from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { Namespace, type Page, paginate } from "./resources.js";

/**
 * The tamper-evident audit trail (`tessera.audit`): needs `audit:read`.
 *
 * @example
 * const { data } = await tessera.audit.list({ kind: "decision" });
 */
export class AuditApi extends Namespace {
  /**
   * One page of the trail, newest first, filtered by actor, object, action, kind or time.
   *
   * @example
   * const { data } = await tessera.audit.list({ object_id: "sub_123", kind: "decision" });
   */
  list(params?: AuditListParams, options?: RequestOptions): Promise<Page<AuditRecord>> {
    return this.call("GET", "/v1/audit", { ...options, query: params });
  }

  /**
   * Every record, fetching pages as the loop goes.
   *
   * @example
   * for await (const record of tessera.audit.all({ action: "subscription.*" })) console.log(record.action);
   */
  all(params?: AuditListParams): AsyncGenerator<AuditRecord> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * What one request or job caused: action → decision → outcome, in order.
   *
   * @example
   * const { data } = await tessera.audit.lineage("req_123");
   */
  lineage(correlationId: string, options?: RequestOptions): Promise<AuditLineage> {
    return this.call("GET", `/v1/audit/lineage/${seg(correlationId)}`, options);
  }
}
