import { describe, expect, it } from "vitest";
import { STRIPE_DECLINES } from "./declines.js";
import { decline } from "./outcomes.js";

/*
 * The decline table, one test per row, checked against an independent reading of Stripe's
 * decline-code reference and the networks' retry rules: "hard" codes are Visa category 1 /
 * Mastercard "do not try again" answers (or need new card data); "soft" may be retried later.
 */
const EXPECTED: Record<string, "soft" | "hard" | "customer"> = {
  insufficient_funds: "soft",
  do_not_honor: "soft",
  generic_decline: "soft",
  card_velocity_exceeded: "soft",
  withdrawal_count_limit_exceeded: "soft",
  try_again_later: "soft",
  approve_with_id: "soft",
  processing_error: "soft",
  reenter_transaction: "soft",
  issuer_not_available: "soft",
  authentication_required: "customer",
  lost_card: "hard",
  stolen_card: "hard",
  pickup_card: "hard",
  restricted_card: "hard",
  fraudulent: "hard",
  merchant_blacklist: "hard",
  security_violation: "hard",
  invalid_account: "hard",
  new_account_information_available: "hard",
  stop_payment_order: "hard",
  revocation_of_authorization: "hard",
  revocation_of_all_authorizations: "hard",
  transaction_not_allowed: "hard",
  not_permitted: "hard",
  service_not_allowed: "hard",
  do_not_try_again: "hard",
  expired_card: "hard",
  incorrect_number: "hard",
  invalid_number: "hard",
  incorrect_cvc: "hard",
  invalid_cvc: "hard",
  invalid_expiry_month: "hard",
  invalid_expiry_year: "hard",
  card_not_supported: "hard",
  currency_not_supported: "hard",
  invalid_amount: "hard",
  duplicate_transaction: "hard",
  call_issuer: "hard",
  no_action_taken: "hard",
  testmode_decline: "hard",
  payment_method_unknown: "hard",
};

describe("stripe decline table", () => {
  it("has exactly the rows the reference lists", () => {
    expect(Object.keys(STRIPE_DECLINES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("%s is %s", (code, kind) => {
    const o = decline({ type: "card_error", code: "card_declined", decline_code: code }, null, "pi_1");
    if (o.status !== "soft_decline" && o.status !== "hard_decline") throw new Error(o.status);
    expect(o.code).toBe(code);
    expect(o.status).toBe(kind === "hard" ? "hard_decline" : "soft_decline");
    expect(o.retry.allowed).toBe(kind === "soft");
    // A retry is always spaced: never hammer an issuer.
    if (kind === "soft") expect(o.retry.afterSeconds).toBeGreaterThan(0);
  });

  it("an unknown code is retried later, like generic_decline", () => {
    expect(
      decline({ type: "card_error", code: "card_declined", decline_code: "brand_new_code" }, null, null),
    ).toMatchObject({
      status: "soft_decline",
      retry: { allowed: true, afterSeconds: 86_400 },
    });
  });

  it.each([
    ["advice_code do_not_try_again", { advice_code: "do_not_try_again" }],
    ["Mastercard MAC 03", { network_advice_code: "03" }],
    ["Mastercard MAC 21", { network_advice_code: "21" }],
  ])("%s makes a soft code hard", (_label, advice) => {
    expect(
      decline({ type: "card_error", code: "card_declined", decline_code: "insufficient_funds", ...advice }, null, null),
    ).toMatchObject({ status: "hard_decline", retry: { allowed: false } });
  });
});
