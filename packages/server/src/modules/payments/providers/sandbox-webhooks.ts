import { createHmac } from "node:crypto";
import { constantTimeEqual } from "../../../lib/crypto.js";
import {
  type ProviderContext,
  type ProviderEvent,
  type ProviderEventType,
  rawExcerpt,
  type WebhookRequest,
  type WebhookResult,
} from "../provider.js";

/*
 * The sandbox's webhooks, shaped like a typical PSP's: a JSON event signed with HMAC-SHA256 over
 * `<timestamp>.<body>` in a `sandbox-signature: t=<unix seconds>,v1=<hex>` header, with the
 * storefront's `webhook_secret` credential as the key. Nothing in the sandbox sends them by
 * itself; `signSandboxWebhook` is what the sandbox's "dashboard" (tests, drills) uses to push one.
 */

export const SANDBOX_SIGNATURE_HEADER = "sandbox-signature";
/** How old a signed timestamp may be, by the environment's clock (replays of old captures are refused). */
export const SANDBOX_WEBHOOK_TOLERANCE_SECONDS = 300;

/** The sandbox's own event names, mapped to the port's. */
const TYPES: Record<string, ProviderEventType> = {
  "charge.authorized": "payment.authorized",
  "charge.captured": "payment.captured",
  "charge.settled": "payment.settled",
  "charge.failed": "payment.failed",
  "charge.refunded": "payment.refunded",
  "charge.refund_failed": "payment.refund_failed",
  "charge.voided": "payment.voided",
  "charge.dispute.created": "payment.disputed",
  "charge.dispute.closed": "payment.dispute_closed",
};

export interface SandboxEventBody {
  id: string;
  type: keyof typeof TYPES | string;
  /** ISO-8601. */
  created: string;
  data: {
    charge: string;
    /** The idempotency key the charge was made with (the sandbox echoes it, as Adyen does). */
    merchant_reference?: string;
    amount?: number;
    currency?: string;
    amount_captured?: number;
    amount_refunded?: number;
    reason?: string;
    /** charge.dispute.*: the dispute's id, and how a closed one ended. */
    dispute?: string;
    dispute_status?: "won" | "lost";
  };
}

function mac(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** A signed webhook request as the sandbox would send it. */
export function signSandboxWebhook(secret: string, event: SandboxEventBody, now: Date): WebhookRequest {
  const body = JSON.stringify(event);
  const t = Math.floor(now.getTime() / 1000);
  return { headers: { [SANDBOX_SIGNATURE_HEADER]: `t=${t},v1=${mac(secret, t, body)}` }, body };
}

function toEvent(e: SandboxEventBody, raw: string): ProviderEvent | undefined {
  const type = TYPES[e.type];
  if (!type || typeof e.data?.charge !== "string") return undefined;
  const totals = {
    ...(typeof e.data.amount_captured === "number" && { captured: e.data.amount_captured }),
    ...(typeof e.data.amount_refunded === "number" && { refunded: e.data.amount_refunded }),
  };
  return {
    id: e.id,
    type,
    reference: e.data.charge,
    ...(typeof e.data.merchant_reference === "string" && { merchantReference: e.data.merchant_reference }),
    amount: typeof e.data.amount === "number" ? e.data.amount : null,
    currency: e.data.currency ?? null,
    ...(Object.keys(totals).length > 0 && { totals }),
    ...((type === "payment.disputed" || type === "payment.dispute_closed") && {
      dispute: {
        id: e.data.dispute ?? null,
        status: type === "payment.disputed" ? "open" : e.data.dispute_status === "won" ? "won" : "lost",
        reason: e.data.reason ?? null,
      },
    }),
    occurredAt: new Date(e.created).toISOString(),
    vendor: { code: e.data.reason ?? e.type, raw: rawExcerpt(raw) },
  };
}

export async function verifySandboxWebhook(ctx: ProviderContext, request: WebhookRequest): Promise<WebhookResult> {
  const { webhook_secret: secret } = await ctx.credentials();
  if (!secret) return { verified: false, reason: "no webhook_secret credential is configured for this provider" };
  const header = request.headers[SANDBOX_SIGNATURE_HEADER] ?? "";
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return { verified: false, reason: "missing or malformed signature header" };
  if (Math.abs(ctx.scope.clock.now().getTime() / 1000 - t) > SANDBOX_WEBHOOK_TOLERANCE_SECONDS)
    return { verified: false, reason: "signature timestamp outside the tolerance" };
  if (!constantTimeEqual(parts.v1, mac(secret, t, request.body)))
    return { verified: false, reason: "signature mismatch" };
  let parsed: SandboxEventBody;
  try {
    parsed = JSON.parse(request.body) as SandboxEventBody;
  } catch {
    return { verified: false, reason: "body is not JSON" };
  }
  if (typeof parsed.id !== "string" || !parsed.id) return { verified: false, reason: "event without an id" };
  const event = toEvent(parsed, request.body);
  // A signed event of a type we do not use is acknowledged with no events (the vendor stops resending).
  return { verified: true, events: event ? [event] : [] };
}
