import type { SandboxOperationRow } from "../../../db/types.js";
import {
  type NextAction,
  type OperationOutcome,
  type PaymentOutcome,
  type RetryAdvice,
  rawExcerpt,
  type VendorDetail,
} from "../provider.js";

/* How the sandbox answers: its decline codes and what each stored operation means as an outcome. */

export const DECLINES = {
  insufficient_funds: {
    message: "The card has insufficient funds (soft decline; a later retry may succeed)",
    retry: { allowed: true },
  },
  issuer_unavailable: {
    message: "The issuer could not be reached (soft decline; another acquirer may get through)",
    retry: { allowed: true, afterSeconds: 60, tryAnotherAcquirer: true },
  },
  authentication_failed: {
    message: "The customer did not complete 3-D Secure (soft decline; the customer may try again)",
    retry: { allowed: true },
  },
  stolen_card: { message: "The card was reported stolen (hard decline; do not retry)", retry: { allowed: false } },
  payment_method_unknown: { message: "No such payment method at the sandbox provider", retry: { allowed: false } },
} as const satisfies Record<string, { message: string; retry: RetryAdvice }>;
export type DeclineCode = keyof typeof DECLINES;
const HARD: ReadonlySet<DeclineCode> = new Set(["stolen_card", "payment_method_unknown"]);

/** The sandbox's "raw answer": the operation as its API would print it. */
export function vendorOf(row: SandboxOperationRow): VendorDetail {
  const raw = JSON.stringify({ id: row.id, object: row.operation, status: row.status, decline_code: row.decline_code });
  return { code: row.decline_code ?? row.status, raw: rawExcerpt(raw) };
}

export const noAnswer = (code: string | null): VendorDetail => ({ code, raw: null });

export function declined(row: SandboxOperationRow): PaymentOutcome {
  const code = (row.decline_code ?? "payment_method_unknown") as DeclineCode;
  const known = DECLINES[code] ?? DECLINES.payment_method_unknown;
  return {
    status: HARD.has(code) ? "hard_decline" : "soft_decline",
    reference: row.id,
    code,
    message: known.message,
    retry: known.retry,
    vendor: vendorOf(row),
  };
}

/** What the provider really did with a charge. */
export function realOutcome(row: SandboxOperationRow): PaymentOutcome {
  const vendor = vendorOf(row);
  switch (row.status) {
    case "failed":
      return declined(row);
    case "authorized":
      return { status: "authorized", reference: row.id, vendor };
    case "requires_action":
      return { status: "requires_action", reference: row.id, action: actionOf(row), vendor };
    case "voided":
      return {
        status: "hard_decline",
        reference: row.id,
        code: "voided",
        message: "The authorization was voided",
        retry: { allowed: false },
        vendor,
      };
    default:
      return { status: "succeeded", reference: row.id, vendor };
  }
}

export function actionOf(row: SandboxOperationRow): NextAction {
  // An address nobody can reach: the sandbox's "issuer page" is simulated by `confirm` data.
  return {
    type: "three_d_secure" as const,
    url: `https://sandbox.tessera.invalid/3ds/${row.id}`,
    data: { challenge: row.id },
  };
}

/** What the caller hears: a timed-out charge never answers, however often it is replayed. */
export function answer(row: SandboxOperationRow): PaymentOutcome {
  if (!row.timed_out) return realOutcome(row);
  return {
    status: "unknown",
    sent: true,
    reference: null,
    message: "sandbox: timed out after sending",
    vendor: noAnswer(null),
  };
}

export const refused = (ref: string | null, code: string, message: string): OperationOutcome => ({
  status: "refused",
  reference: ref,
  code,
  message,
  vendor: noAnswer(code),
});
