import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { importPKCS8, SignJWT } from "jose";
import { systemClock } from "../../lib/clock.js";
import { PAYPAL_TEST_PKI, signPayPalDelivery, TEST_CERT_URL } from "../payments/index.js";
import { activeSubscription, saleEvent, subscriptionEvent } from "./paypal/events.js";
import { AGGREGATOR_AUDIENCE, reference } from "./telecom/api.js";
import { subscriptionCallback } from "./telecom/fake-aggregator.js";
import { bodySha256 } from "./telecom/jwt.js";

/*
 * `tessera simulate paypal|telecom …`: posts what the vendor would post to a development
 * storefront, signed with keys that storefront was told to trust (the `setup` subcommands print
 * the settings), so a merchant can watch a subscription activate, fall into grace, get refunded or
 * cancelled by SMS STOP without a PayPal or carrier account. Production settings refuse PayPal's
 * test root, and a telecom storefront trusts only the aggregator key it was given.
 */

export const PAYPAL_SIMULATED_EVENTS = [
  "ACTIVATED",
  "RE-ACTIVATED",
  "UPDATED",
  "SUSPENDED",
  "CANCELLED",
  "EXPIRED",
  "PAYMENT.FAILED",
  "SALE.COMPLETED",
  "SALE.DENIED",
  "SALE.REFUNDED",
  "SALE.REVERSED",
] as const;

export interface Posted {
  status: number;
  body: unknown;
}

async function post(url: string, request: { headers: Record<string, string>; body: string }): Promise<Posted> {
  const res = await fetch(url, { method: "POST", headers: request.headers, body: request.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

/** The settings a development storefront needs to accept simulated PayPal webhooks. */
export function payPalSimulatorSettings(certOrigin: string) {
  return { config: { test_trusted_root: PAYPAL_TEST_PKI.root, test_certificate_origin: certOrigin } };
}

export async function simulatePayPal(o: {
  url: string;
  storefront: string;
  webhookId: string;
  event: (typeof PAYPAL_SIMULATED_EVENTS)[number];
  subscription: string;
  plan?: string | undefined;
  customer?: string | undefined;
  /** Where the storefront fetches the certificate from (its test_certificate_origin); served while posting. */
  certOrigin: string;
  at?: Date | undefined;
}): Promise<Posted> {
  const at = o.at ?? systemClock.now();
  const id = `WH-SIM-${randomBytes(8).toString("hex").toUpperCase()}`;
  let event: Record<string, unknown>;
  if (o.event.startsWith("SALE.")) {
    const sale = {
      id: randomBytes(8).toString("hex").toUpperCase(),
      subscriptionId: o.subscription,
      amount: { total: "9.99", currency: "EUR" },
    };
    event = saleEvent(`PAYMENT.${o.event}` as Parameters<typeof saleEvent>[0], sale, { id, at });
    // A refund names only its sale in PayPal's payload; simulated, it names the subscription too.
    if (o.event === "SALE.REFUNDED") (event.resource as Record<string, unknown>).billing_agreement_id = o.subscription;
  } else {
    const status =
      { SUSPENDED: "SUSPENDED", CANCELLED: "CANCELLED", EXPIRED: "EXPIRED" }[o.event as string] ?? "ACTIVE";
    const sub = activeSubscription({
      id: o.subscription,
      planId: o.plan ?? "P-SIMULATED0000000",
      customId: o.customer ?? null,
      start: at,
      nextBilling: new Date(at.getTime() + 30 * 86_400_000),
      status: status as "ACTIVE",
    });
    event = subscriptionEvent(`BILLING.SUBSCRIPTION.${o.event}`, sub, { id, at });
  }
  const request = signPayPalDelivery({
    body: JSON.stringify(event),
    webhookId: o.webhookId,
    transmissionId: randomBytes(16).toString("hex"),
    transmissionTime: at.toISOString().replace(/\.\d+Z$/, "Z"),
  });
  // The storefront fetches TEST_CERT_URL's path from certOrigin: serve the chain there meanwhile.
  const origin = new URL(o.certOrigin);
  const certPath = new URL(TEST_CERT_URL).pathname;
  const server = createServer((req, res) => {
    if (req.url === certPath)
      res.writeHead(200, { "content-type": "application/x-pem-file" }).end(PAYPAL_TEST_PKI.chain);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(origin.port || 80), origin.hostname, resolve);
  });
  try {
    return await post(`${o.url.replace(/\/+$/, "")}/v1/channels/paypal/${o.storefront}/webhooks`, request);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A key pair standing in for the aggregator's: the public half goes in the storefront's settings. */
export function telecomSimulatorKeys() {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKey: String(pair.privateKey.export({ type: "pkcs8", format: "pem" })),
    settings: {
      credentials: { aggregator_public_key: String(pair.publicKey.export({ type: "spki", format: "pem" })) },
    },
  };
}

export async function simulateTelecom(o: {
  url: string;
  storefront: string;
  merchantId: string;
  aggregatorPrivateKey: string;
  /** `status` or `status/billing_status`, e.g. active/charged, cancelled. */
  state: string;
  reference?: string | undefined;
  product?: string | undefined;
  customer?: string | undefined;
  action?: string | undefined;
  at?: Date | undefined;
}): Promise<Posted & { reference: string }> {
  const at = o.at ?? systemClock.now();
  const ref = o.reference ?? (o.product && o.customer ? reference(o.product, o.customer) : undefined);
  if (!ref) throw new Error("name the subscription: --reference, or --product with --customer");
  const [status, billing] = o.state.split("/") as [string, string | undefined];
  const body = JSON.stringify({
    ...subscriptionCallback({ reference: ref, status, ...(billing && { billing }), at, merchantId: o.merchantId }),
    ...(o.action && { action: o.action }),
  });
  const now = Math.floor(systemClock.now().getTime() / 1000);
  const token = await new SignJWT({ body_sha256: bodySha256(body) })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(AGGREGATOR_AUDIENCE)
    .setAudience(o.merchantId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .setJti(randomBytes(8).toString("hex"))
    .sign(await importPKCS8(o.aggregatorPrivateKey, "RS256"));
  const posted = await post(`${o.url.replace(/\/+$/, "")}/v1/channels/telecom/${o.storefront}/callbacks`, {
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body,
  });
  return { ...posted, reference: ref };
}
