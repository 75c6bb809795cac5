import { rawExcerpt, type VendorDetail } from "../provider.js";
import type { Exchange } from "./http.js";

/* What every real adapter's outcome mapping shares; the vendor-specific part stays in <vendor>/outcomes.ts. */

export const vendorDetail = (code: string | null, raw: string | null): VendorDetail => ({
  code,
  raw: rawExcerpt(raw),
});

/** No answer, as both payment and operation outcomes spell it. */
export interface NoAnswer {
  status: "unknown";
  sent: boolean;
  reference: null;
  message: string;
  vendor: VendorDetail;
}

/**
 * An exchange without an answer: `unknown`, and whether the request left us (after a timeout or
 * a dropped connection the vendor may have charged; a refused connection never sent a byte).
 */
export function noAnswer(x: Exclude<Exchange, { kind: "answer" }>): NoAnswer {
  return {
    status: "unknown",
    sent: x.kind === "lost",
    reference: null,
    message: x.message,
    vendor: vendorDetail(null, null),
  };
}

/** An answer we cannot read as a result (a 5xx, a proxy's page): it may have been processed. */
export function unreadable(vendor: string, x: Extract<Exchange, { kind: "answer" }>, code: string | null): NoAnswer {
  return {
    status: "unknown",
    sent: true,
    reference: null,
    message: `${vendor} answered HTTP ${x.status}`,
    vendor: vendorDetail(code ?? `http_${x.status}`, x.body),
  };
}

/** The vendor refused the request before processing it (credentials, rate limit, validation): failover is safe. */
export function notProcessedError(code: string, message: string, raw: string | null) {
  return { status: "error" as const, reference: null, code, message, vendor: vendorDetail(code, raw) };
}
