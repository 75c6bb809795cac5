import { describe, expect, it } from "vitest";
import { iyzicoAuthorization, iyzicoPrice } from "./api.js";
import { declineRule, IYZICO_DECLINES, isBankDecline } from "./declines.js";
import { iyzicoWebhookSignature, verifyIyzicoSignature } from "./webhooks.js";

/*
 * The iyzico building blocks the adapter (index.ts) is made of.
 * Known answers come from iyzico's own SDK tests (iyzipay-node test/unit/UtilsTest.js).
 */

describe("iyzico IYZWSv2 request signing", () => {
  it('matches the SDK\'s known header for api_key / secret_key / random_string / uri / "body"', () => {
    expect(iyzicoAuthorization("api_key", "secret_key", "random_string", "uri", JSON.stringify("body"))).toBe(
      "IYZWSv2 YXBpS2V5OmFwaV9rZXkmcmFuZG9tS2V5OnJhbmRvbV9zdHJpbmcmc2lnbmF0dXJlOjAxNzUwODkyMWEyOWVlNTYwMWJjZDFmYmU4M2VmZDJlMmJlNDNhZjAyZWNlZmYzMGNmMmU5MWE1MzlhYWIzNTU=",
    );
  });

  it("changes with any byte of the body or path", () => {
    const a = iyzicoAuthorization("k", "s", "r", "/payment/auth", '{"price":"1.0"}');
    expect(iyzicoAuthorization("k", "s", "r", "/payment/auth", '{"price":"1.1"}')).not.toBe(a);
    expect(iyzicoAuthorization("k", "s", "r", "/payment/preauth", '{"price":"1.0"}')).not.toBe(a);
  });

  it("formats prices as the SDK does, exactly: 22.0, 15.34, 0.005", () => {
    expect(iyzicoPrice(2200, "TRY")).toBe("22.0");
    expect(iyzicoPrice(1534, "TRY")).toBe("15.34");
    expect(iyzicoPrice(1050, "EUR")).toBe("10.5");
    expect(iyzicoPrice(5, "KWD")).toBe("0.005");
    expect(iyzicoPrice(500, "JPY")).toBe("500.0");
    expect(iyzicoPrice(Number.MAX_SAFE_INTEGER, "TRY")).toBe("90071992547409.91");
  });
});

describe("iyzico bank error codes", () => {
  it.each(["10034", "10041", "10043", "10054", "10057", "10093", "10209", "10215"])(
    "%s is hard: never retried",
    (code) => {
      expect(declineRule(code)).toMatchObject({ hard: true, retry: { allowed: false } });
    },
  );

  it.each(["10005", "10051", "10204"])("%s is soft: retried a day later", (code) => {
    expect(declineRule(code)).toMatchObject({ hard: false, retry: { allowed: true, afterSeconds: 86_400 } });
  });

  it("communication errors and timeouts may go to another acquirer; 3-D Secure needs the customer", () => {
    expect(declineRule("10214").retry).toMatchObject({ allowed: true, tryAnotherAcquirer: true });
    expect(declineRule("10219").retry).toMatchObject({ allowed: true, tryAnotherAcquirer: true });
    expect(declineRule("10217")).toMatchObject({ hard: false, retry: { allowed: false } });
  });

  it("tells bank answers (10xxx) from iyzico's validation errors", () => {
    expect(isBankDecline("10051")).toBe(true);
    expect(isBankDecline("12")).toBe(false);
    expect(isBankDecline(undefined)).toBe(false);
    for (const code of Object.keys(IYZICO_DECLINES)) expect(isBankDecline(code), code).toBe(true);
  });
});

describe("iyzico webhook signature (X-IYZ-SIGNATURE-V3)", () => {
  const secret = "sandbox-secret-key";
  const direct = {
    paymentConversationId: "tessera-key-1",
    merchantId: 3397951,
    paymentId: 22416035,
    status: "SUCCESS",
    iyziReferenceCode: "2bcf3f49-b2d6-4a35-8d2d-1c4b5c2b8e0a",
    iyziEventType: "API_AUTH",
    iyziEventTime: 1701388800000,
  };
  const deliver = (n: object, key = secret) => ({
    headers: { "x-iyz-signature-v3": iyzicoWebhookSignature(key, n), "content-type": "application/json" },
    body: JSON.stringify(n),
  });

  it("verifies a direct-format notification, and again on redelivery (same reference code for the inbox)", () => {
    const genuine = deliver(direct);
    expect(verifyIyzicoSignature(secret, genuine)).toMatchObject({
      verified: true,
      notification: { paymentId: 22416035 },
    });
    expect(verifyIyzicoSignature(secret, genuine)).toMatchObject({
      verified: true,
      notification: { iyziReferenceCode: direct.iyziReferenceCode },
    });
  });

  it("verifies the hosted-page format, which signs the token too", () => {
    const hpp = { ...direct, iyziEventType: "CHECKOUT_FORM_AUTH", iyziPaymentId: 22416035, token: "f2a29cc5-90e4" };
    expect(verifyIyzicoSignature(secret, deliver(hpp))).toMatchObject({ verified: true });
    const swapped = { ...deliver(hpp), body: JSON.stringify({ ...hpp, token: "other" }) };
    expect(verifyIyzicoSignature(secret, swapped)).toMatchObject({ verified: false });
  });

  it("refuses a tampered status, another secret, a missing header or a non-JSON body", () => {
    const genuine = deliver(direct);
    expect(
      verifyIyzicoSignature(secret, { ...genuine, body: genuine.body.replace("SUCCESS", "FAILURE") }),
    ).toMatchObject({
      verified: false,
    });
    expect(verifyIyzicoSignature(secret, deliver(direct, "other-secret"))).toMatchObject({ verified: false });
    expect(verifyIyzicoSignature(secret, { headers: {}, body: genuine.body })).toMatchObject({ verified: false });
    expect(verifyIyzicoSignature(secret, { ...genuine, body: "<xml/>" })).toMatchObject({ verified: false });
    expect(verifyIyzicoSignature(undefined, genuine)).toMatchObject({ verified: false });
  });
});
