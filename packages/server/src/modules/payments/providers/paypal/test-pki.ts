import { createSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { paypalSignedString } from "./webhook-signature.js";

/*
 * A test-only PKI standing in for PayPal's (files made by test-pki/gen.sh): a root the tests
 * trust, PayPal's signing chain under it, a forger's chain with PayPal's name under a root nobody
 * trusts, and a chain under the trusted root with another name. For the payment adapter's tests
 * and the PayPal subscriptions channel's.
 */

const file = (name: string) => readFileSync(new URL(`./test-pki/${name}`, import.meta.url), "utf8");

export const PAYPAL_TEST_PKI = {
  root: file("root-ca.pem"),
  chain: file("paypal-chain.pem"),
  key: file("paypal-leaf.key"),
  forgerChain: file("forger-chain.pem"),
  forgerKey: file("forger-leaf.key"),
  otherNameChain: file("other-name-chain.pem"),
  otherNameKey: file("other-leaf.key"),
} as const;

/** A cert URL on PayPal's sandbox host: what PayPal's deliveries name. */
export const TEST_CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-test";

/** A fetch that answers each certificate URL with its PEM (404 otherwise), counting the calls. */
export function certificateFetch(certs: Record<string, string>): typeof fetch & { calls: string[] } {
  const calls: string[] = [];
  const f = async (input: string | URL | Request) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    calls.push(url);
    const pem = certs[url];
    return pem === undefined ? new Response("not found", { status: 404 }) : new Response(pem, { status: 200 });
  };
  return Object.assign(f as typeof fetch, { calls });
}

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

/** Signs a delivery the way PayPal does, with the given key and cert URL. */
export function signPayPalDelivery(input: {
  body: string;
  webhookId: string;
  transmissionId: string;
  transmissionTime: string;
  certUrl?: string;
  key?: string;
}): SignedDelivery {
  const signer = createSign("RSA-SHA256");
  signer.update(paypalSignedString(input.transmissionId, input.transmissionTime, input.webhookId, input.body), "utf8");
  return {
    headers: {
      "paypal-transmission-id": input.transmissionId,
      "paypal-transmission-time": input.transmissionTime,
      "paypal-transmission-sig": signer.sign(input.key ?? PAYPAL_TEST_PKI.key, "base64"),
      "paypal-cert-url": input.certUrl ?? TEST_CERT_URL,
      "paypal-auth-algo": "SHA256withRSA",
      "content-type": "application/json",
    },
    body: input.body,
  };
}
