import { describe, expect, it } from "vitest";
import { PAYPAL_ISSUES, PAYPAL_PROCESSOR_CODES } from "./declines.js";
import { orderOutcome, paymentAnswer } from "./outcomes.js";

/*
 * PayPal's decline tables read through the adapter's own mapping of a declined capture, against
 * the networks' rules: Visa category 1 answers (closed or unknown account, lost/stolen, pick-up,
 * restricted, fraud, not permitted, expired) are never retried; issuer "not now" answers are
 * retried later, and an unavailable issuer may go to another acquirer at once.
 */

const declinedCapture = (code: string, advice?: string) =>
  orderOutcome(
    {
      id: "5O190127TN364715T",
      intent: "CAPTURE",
      status: "COMPLETED",
      purchase_units: [
        {
          payments: {
            captures: [
              {
                id: "3C679366HH908993F",
                status: "DECLINED",
                processor_response: { response_code: code, ...(advice && { payment_advice_code: advice }) },
              },
            ],
          },
        },
      ],
    },
    "{}",
  );

const VISA_CATEGORY_1 = ["0390", "1330", "5140", "5150", "5180", "5400", "5700", "9500", "9520", "PP06", "PPRN"];
const SOFT = ["0500", "5100", "5120", "5710", "9100", "10BR"];
const ANOTHER_ACQUIRER = ["5920", "8110", "0960"];
const CUSTOMER = ["5650", "7700", "7710", "PCNR", "00N7"];

describe("paypal processor response codes", () => {
  it.each(VISA_CATEGORY_1)("%s is hard: never retried", (code) => {
    expect(declinedCapture(code)).toMatchObject({ status: "hard_decline", code, retry: { allowed: false } });
  });

  it.each(SOFT)("%s is soft: retried later, never at once", (code) => {
    const o = declinedCapture(code);
    if (o.status !== "soft_decline") throw new Error(o.status);
    expect(o.retry.allowed).toBe(true);
    expect(o.retry.afterSeconds).toBeGreaterThanOrEqual(3_600);
  });

  it.each(ANOTHER_ACQUIRER)("%s may go to another acquirer at once", (code) => {
    expect(declinedCapture(code)).toMatchObject({
      status: "soft_decline",
      retry: { allowed: true, tryAnotherAcquirer: true },
    });
  });

  it.each(CUSTOMER)("%s needs the customer: no unattended retry", (code) => {
    expect(declinedCapture(code)).toMatchObject({ status: "soft_decline", retry: { allowed: false } });
  });

  it.each(["03", "21"])("payment_advice_code %s (Mastercard) makes any decline hard", (advice) => {
    expect(declinedCapture("5120", advice)).toMatchObject({ status: "hard_decline", retry: { allowed: false } });
  });

  it("every soft row waits before a retry; an unknown code is PayPal's generic decline", () => {
    for (const [code, rule] of Object.entries(PAYPAL_PROCESSOR_CODES))
      if (rule.retry.allowed) expect(rule.retry.afterSeconds, code).toBeGreaterThan(0);
    expect(declinedCapture("ZZZZ")).toMatchObject({
      status: "soft_decline",
      retry: { allowed: true, afterSeconds: 86_400 },
    });
  });
});

describe("paypal API issues", () => {
  const refused = (issue: string) =>
    paymentAnswer(
      {
        kind: "answer",
        status: 422,
        headers: new Headers(),
        body: JSON.stringify({ name: "UNPROCESSABLE_ENTITY", details: [{ issue, description: issue }] }),
      },
      undefined,
    );

  it.each(Object.entries(PAYPAL_ISSUES))("%s maps through its row", (issue, rule) => {
    expect(refused(issue)).toMatchObject({
      status: rule.hard ? "hard_decline" : "soft_decline",
      code: issue,
      retry: rule.retry,
    });
  });

  it("a validation error (400) is an error: PayPal did not process it", () => {
    expect(
      paymentAnswer(
        {
          kind: "answer",
          status: 400,
          headers: new Headers(),
          body: JSON.stringify({ name: "INVALID_REQUEST", details: [{ issue: "MISSING_REQUIRED_PARAMETER" }] }),
        },
        undefined,
      ),
    ).toMatchObject({ status: "error", code: "MISSING_REQUIRED_PARAMETER" });
  });
});
