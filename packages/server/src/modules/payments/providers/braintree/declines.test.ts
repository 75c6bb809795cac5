import { describe, expect, it } from "vitest";
import { BRAINTREE_DECLINES } from "./declines.js";
import { transactionOutcome } from "./outcomes.js";

/*
 * Braintree's processor responses read through the adapter's mapping of a PROCESSOR_DECLINED
 * transaction, against the networks' rules: lost/stolen/fraud, closed or unknown accounts,
 * revoked billing and expired cards are never retried; issuer "not now" answers are retried later.
 */

const declined = (code: string, declineType: "SOFT" | "HARD" | null = null, mac?: string) =>
  transactionOutcome(
    {
      id: "dHJhbnNhY3Rpb25fMQ==",
      status: "PROCESSOR_DECLINED",
      statusHistory: [
        {
          __typename: "ProcessorDeclinedEvent",
          status: "PROCESSOR_DECLINED",
          declineType,
          processorResponse: { legacyCode: code, message: BRAINTREE_DECLINES[code]?.text ?? "?" },
          merchantAdviceCodeResponse: mac ? { code: mac } : null,
        },
      ],
    },
    "{}",
  );

const NEVER = [
  "2004",
  "2005",
  "2007",
  "2012",
  "2013",
  "2014",
  "2015",
  "2017",
  "2018",
  "2021",
  "2022",
  "2047",
  "2053",
  "2057",
  "2075",
  "2076",
  "2108",
];
const LATER = ["2000", "2001", "2002", "2003", "2038", "2046", "2101"];

describe("braintree processor responses", () => {
  it.each(NEVER)("%s is hard: never retried", (code) => {
    expect(declined(code)).toMatchObject({ status: "hard_decline", code, retry: { allowed: false } });
  });

  it.each(LATER)("%s is soft: retried later, never at once", (code) => {
    const o = declined(code, "SOFT");
    if (o.status !== "soft_decline") throw new Error(o.status);
    expect(o.retry).toMatchObject({ allowed: true, afterSeconds: expect.any(Number) });
    expect(o.retry.afterSeconds).toBeGreaterThanOrEqual(3_600);
  });

  it("3000 (network unavailable) may go to another acquirer at once; 2099 waits for the customer", () => {
    expect(declined("3000", "SOFT")).toMatchObject({
      status: "soft_decline",
      retry: { allowed: true, tryAnotherAcquirer: true },
    });
    expect(declined("2099", "SOFT")).toMatchObject({ status: "soft_decline", retry: { allowed: false } });
  });

  it("Braintree's HARD verdict and Mastercard advice 03/21 override a soft row", () => {
    expect(declined("2000", "HARD")).toMatchObject({ status: "hard_decline", retry: { allowed: false } });
    expect(declined("2001", "SOFT", "21")).toMatchObject({ status: "hard_decline" });
    expect(declined("2001", "SOFT", "24")).toMatchObject({ status: "soft_decline", retry: { afterSeconds: 3_600 } });
  });

  it("a code outside the table follows Braintree's SOFT/HARD", () => {
    expect(declined("2999", "HARD")).toMatchObject({ status: "hard_decline" });
    expect(declined("2999", "SOFT")).toMatchObject({
      status: "soft_decline",
      retry: { allowed: true, afterSeconds: 86_400 },
    });
  });

  it("every soft row waits before a retry", () => {
    for (const [code, rule] of Object.entries(BRAINTREE_DECLINES))
      if (rule.retry.allowed) expect(rule.retry.afterSeconds, code).toBeGreaterThan(0);
  });
});
