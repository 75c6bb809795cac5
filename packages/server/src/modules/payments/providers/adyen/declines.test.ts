import { describe, expect, it } from "vitest";
import { ADYEN_DECLINES, declineRule } from "./declines.js";
import { paymentResult } from "./outcomes.js";
import { adyenItemSignature, type NotificationItem } from "./webhooks.js";

/*
 * The refusal-reason table, one test per row, against an independent reading of Adyen's
 * refusal-reasons page and the networks' retry rules (lost/stolen/blocked, fraud, revoked, closed
 * and invalid-data answers are never retried; issuer-side "not now" answers are retried later).
 */
const EXPECTED: Record<string, "soft" | "hard" | "customer"> = {
  "2": "soft",
  "3": "hard",
  "4": "soft",
  "5": "hard",
  "6": "hard",
  "7": "hard",
  "8": "hard",
  "9": "soft",
  "10": "hard",
  "11": "customer",
  "12": "soft",
  "14": "hard",
  "15": "hard",
  "16": "customer",
  "20": "hard",
  "21": "hard",
  "22": "hard",
  "23": "hard",
  "24": "hard",
  "25": "hard",
  "26": "hard",
  "27": "hard",
  "28": "soft",
  "29": "soft",
  "31": "hard",
  "32": "hard",
  "38": "customer",
  "42": "customer",
  "46": "hard",
};

describe("adyen refusal table", () => {
  it("has exactly the rows the reference lists", () => {
    expect(Object.keys(ADYEN_DECLINES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("refusalReasonCode %s is %s", (code, kind) => {
    const o = paymentResult(
      {
        pspReference: "8815",
        resultCode: "Refused",
        refusalReasonCode: code,
        refusalReason: ADYEN_DECLINES[code]!.reason,
      },
      null,
      false,
    );
    if (o.status !== "soft_decline" && o.status !== "hard_decline") throw new Error(o.status);
    expect(o).toMatchObject({ code, message: ADYEN_DECLINES[code]!.reason });
    expect(o.status).toBe(kind === "hard" ? "hard_decline" : "soft_decline");
    expect(o.retry.allowed).toBe(kind === "soft");
    if (kind === "soft") expect(o.retry.afterSeconds).toBeGreaterThan(0);
  });

  it.each([
    ["01: New account information available", false],
    ["03: Do Not Try Again", false],
    ["21: Payment Cancellation", false],
    ["02: Cannot approve at this time, try again later", true],
  ])("Mastercard merchant advice %s → retry allowed %s", (mac, allowed) => {
    expect(declineRule("12", mac).retry.allowed).toBe(allowed);
  });

  it("merchant advice never makes a hard refusal retryable", () => {
    expect(declineRule("5", "24: Retry after 1 hour")).toMatchObject({ hard: true, retry: { allowed: false } });
  });

  it("signs notifications as Adyen's own libraries do (their published test vector)", () => {
    const item = {
      pspReference: "7914073381342284",
      merchantAccountCode: "TestMerchant",
      merchantReference: "TestPayment-1407325143704",
      amount: { value: 1130, currency: "EUR" },
      eventCode: "AUTHORISATION",
      success: "true",
      eventDate: "2019-06-28T18:03:50+01:00",
    } satisfies NotificationItem;
    expect(adyenItemSignature("44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", item)).toBe(
      "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=",
    );
  });
});
