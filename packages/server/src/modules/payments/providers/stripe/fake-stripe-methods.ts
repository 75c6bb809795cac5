/*
 * Stripe's documented test payment methods (docs.stripe.com/testing) as the local fake answers
 * them, plus `pm_fake_*` methods that exist only in the fake (a lost answer, do_not_honor, a
 * Mastercard merchant advice code).
 */

export type Behaviour =
  | { kind: "ok" }
  | { kind: "decline"; code: string; decline?: string; message: string; networkAdvice?: string }
  | { kind: "3ds" }
  | { kind: "hang" };

export interface Card {
  brand: string;
  last4: string;
  behaviour: Behaviour;
}
const declined = (code: string, decline: string | undefined, message: string, networkAdvice?: string): Behaviour => ({
  kind: "decline",
  code,
  decline,
  message,
  ...(networkAdvice && { networkAdvice }),
});

export const STRIPE_TEST_METHODS: Record<string, Card> = {
  pm_card_visa: { brand: "visa", last4: "4242", behaviour: { kind: "ok" } },
  pm_card_mastercard: { brand: "mastercard", last4: "4444", behaviour: { kind: "ok" } },
  pm_card_chargeDeclined: {
    brand: "visa",
    last4: "0002",
    behaviour: declined("card_declined", "generic_decline", "Your card was declined."),
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: "visa",
    last4: "9995",
    behaviour: declined("card_declined", "insufficient_funds", "Your card has insufficient funds."),
  },
  pm_card_chargeDeclinedLostCard: {
    brand: "visa",
    last4: "9987",
    behaviour: declined("card_declined", "lost_card", "Your card was declined."),
  },
  pm_card_chargeDeclinedStolenCard: {
    brand: "visa",
    last4: "9979",
    behaviour: declined("card_declined", "stolen_card", "Your card was declined."),
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: "visa",
    last4: "0069",
    behaviour: declined("expired_card", "expired_card", "Your card has expired."),
  },
  pm_card_chargeDeclinedProcessingError: {
    brand: "visa",
    last4: "0119",
    behaviour: declined(
      "processing_error",
      "processing_error",
      "An error occurred while processing your card. Try again in a little bit.",
    ),
  },
  pm_card_authenticationRequired: { brand: "visa", last4: "3184", behaviour: { kind: "3ds" } },
  pm_card_threeDSecure2Required: { brand: "visa", last4: "3220", behaviour: { kind: "3ds" } },
  pm_fake_do_not_honor: {
    brand: "visa",
    last4: "0101",
    behaviour: declined("card_declined", "do_not_honor", "Your card was declined."),
  },
  pm_fake_mastercard_mac03: {
    brand: "mastercard",
    last4: "0103",
    behaviour: declined("card_declined", "do_not_honor", "Your card was declined.", "03"),
  },
  pm_fake_timeout: { brand: "visa", last4: "0077", behaviour: { kind: "hang" } },
};
