import { createVerify, X509Certificate } from "node:crypto";
import { rootCertificates } from "node:tls";
import type { Clock } from "../../../../lib/clock.js";
import { exchange } from "../http.js";

/*
 * PayPal webhook signatures, verified offline (developer.paypal.com/api/rest/webhooks/rest,
 * "Verify the signature"). PayPal signs `<transmission id>|<transmission time>|<webhook id>|<CRC32 of
 * the raw body, unsigned decimal>` with RSA-SHA256 (`paypal-auth-algo: SHA256withRSA`), base64 in
 * `paypal-transmission-sig`, and names its certificate in `paypal-cert-url`. That URL arrives in
 * the request an attacker controls, so it is only fetched over https from PayPal's own hosts, and
 * the certificate must chain to a trusted root and be PayPal's signing certificate
 * (CN=messageverificationcerts[.sandbox].paypal.com, the rule of PayPal's own SDKs).
 *
 * Used by the PayPal payment adapter and by the PayPal subscriptions channel: a refusal is data
 * (`{ verified: false, reason }`), never a throw.
 */

/** Hosts whose certificates we fetch: these domains and their subdomains, https only. */
export const PAYPAL_CERT_HOSTS: readonly string[] = ["paypal.com", "paypalobjects.com"];

/**
 * How old a transmission may be. PayPal redelivers an unacknowledged webhook for up to three days;
 * a genuine body replayed inside that window carries the same event id, which the inbox dedupes.
 */
export const PAYPAL_MAX_AGE_SECONDS = 3 * 86_400 + 3_600;
/** How far in the future a transmission time may lie (clock skew). */
const FUTURE_SKEW_SECONDS = 300;
const CERT_TIMEOUT_MS = 10_000;
const CERT_CACHE_LIMIT = 32;

export interface PayPalSignatureOptions {
  /** Fetches the certificate (injected: tests answer PayPal's cert URL locally). */
  fetch: typeof fetch;
  clock: Clock;
  /** PEM root certificates to chain to; default: Node's bundled Mozilla roots. */
  trustedRoots?: readonly string[];
  /** Refuse transmissions older than this (default PAYPAL_MAX_AGE_SECONDS). */
  maxAgeSeconds?: number;
}

export interface PayPalTransmission {
  transmissionId: string;
  transmissionTime: string;
  certUrl: string;
}

export type PayPalSignatureResult =
  | { verified: true; transmission: PayPalTransmission }
  | { verified: false; reason: string };

export interface PayPalSignatureVerifier {
  /**
   * Verifies one delivery: lower-case `headers` and the raw `body` exactly as received, against the
   * webhook id the listener was registered under (Developer Dashboard → app → webhooks).
   */
  verify(
    request: { headers: Record<string, string>; body: string },
    webhookId: string,
    /** Overrides the verifier's clock for this delivery (an environment's test clock). */
    clock?: Clock,
  ): Promise<PayPalSignatureResult>;
}

/** CRC-32 (IEEE), as PayPal computes it; zlib.crc32 is missing before Node 20.15. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The string PayPal signs. */
export function paypalSignedString(
  transmissionId: string,
  transmissionTime: string,
  webhookId: string,
  body: string,
): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(Buffer.from(body, "utf8"))}`;
}

/** The URL may be fetched: https, no credentials, a PayPal host, default port. */
export function isPayPalCertUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" || url.username || url.password || url.port) return false;
  const host = url.hostname.toLowerCase();
  return PAYPAL_CERT_HOSTS.some((h) => host === h || host.endsWith(`.${h}`));
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificatesIn(pem: string): X509Certificate[] {
  return (pem.match(PEM_BLOCK) ?? []).map((block) => new X509Certificate(block));
}

function commonNames(cert: X509Certificate): string[] {
  return cert.subject
    .split("\n")
    .filter((rdn) => rdn.startsWith("CN="))
    .map((rdn) => rdn.slice(3).toLowerCase());
}

const isPayPalSigningName = (cn: string) =>
  cn === "messageverificationcerts.paypal.com" || cn === "messageverificationcerts.sandbox.paypal.com";

function within(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

/**
 * Checks leaf → intermediates → a trusted root, each link signed by the next, every one valid now
 * and every issuer a CA. Answers the leaf when the chain holds, else why not.
 */
export function checkChain(
  pem: string,
  roots: readonly X509Certificate[],
  now: Date,
): { leaf: X509Certificate } | { reason: string } {
  let chain: X509Certificate[];
  try {
    chain = certificatesIn(pem);
  } catch {
    return { reason: "the certificate does not parse" };
  }
  const leaf = chain[0];
  if (!leaf) return { reason: "no certificate at the cert URL" };
  if (!commonNames(leaf).some(isPayPalSigningName))
    return { reason: "the certificate is not PayPal's signing certificate" };
  let current = leaf;
  for (let depth = 0; depth < 6; depth++) {
    if (!within(current, now))
      return { reason: `certificate ${current.subject.replace(/\n/g, ", ")} is not valid now` };
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root) return within(root, now) ? { leaf } : { reason: "the root certificate is not valid now" };
    const issuer = chain.find((c) => c !== current && c.ca && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer) return { reason: "the certificate does not chain to a trusted root" };
    current = issuer;
  }
  return { reason: "the certificate chain is too long" };
}

export function createPayPalSignatureVerifier(options: PayPalSignatureOptions): PayPalSignatureVerifier {
  const roots = (options.trustedRoots ?? rootCertificates).map((pem) => new X509Certificate(pem));
  const maxAge = options.maxAgeSeconds ?? PAYPAL_MAX_AGE_SECONDS;
  // Certificates are fetched once per URL (PayPal rotates them by URL), bounded so a flood of
  // distinct URLs cannot grow memory; only chains that verified are kept.
  const cache = new Map<string, X509Certificate>();

  async function certificate(url: string, now: Date): Promise<{ leaf: X509Certificate } | { reason: string }> {
    const cached = cache.get(url);
    if (cached && within(cached, now)) return { leaf: cached };
    const x = await exchange(options.fetch, url, { method: "GET", redirect: "error" }, CERT_TIMEOUT_MS);
    if (x.kind !== "answer") return { reason: `the certificate could not be fetched: ${x.message}` };
    if (x.status !== 200) return { reason: `the cert URL answered HTTP ${x.status}` };
    const checked = checkChain(x.body, roots, now);
    if ("leaf" in checked) {
      if (cache.size >= CERT_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
      cache.set(url, checked.leaf);
    }
    return checked;
  }

  return {
    async verify(request, webhookId, clock = options.clock) {
      const now = clock.now();
      const h = request.headers;
      const transmissionId = h["paypal-transmission-id"];
      const transmissionTime = h["paypal-transmission-time"];
      const signature = h["paypal-transmission-sig"];
      const certUrl = h["paypal-cert-url"];
      const algorithm = h["paypal-auth-algo"];
      if (!transmissionId || !transmissionTime || !signature || !certUrl)
        return { verified: false, reason: "missing PayPal transmission headers" };
      if (!webhookId) return { verified: false, reason: "no PayPal webhook id is configured" };
      if (algorithm && algorithm.toUpperCase() !== "SHA256WITHRSA")
        return { verified: false, reason: `unsupported paypal-auth-algo ${algorithm}` };
      const sent = Date.parse(transmissionTime);
      if (Number.isNaN(sent)) return { verified: false, reason: "paypal-transmission-time is not a time" };
      const age = (now.getTime() - sent) / 1000;
      if (age > maxAge)
        return { verified: false, reason: `transmission is ${Math.round(age)} s old, over the tolerance` };
      if (age < -FUTURE_SKEW_SECONDS) return { verified: false, reason: "transmission time lies in the future" };
      if (!isPayPalCertUrl(certUrl)) return { verified: false, reason: "paypal-cert-url is not a PayPal https URL" };
      const cert = await certificate(certUrl, now);
      if ("reason" in cert) return { verified: false, reason: cert.reason };
      const verifier = createVerify("RSA-SHA256");
      verifier.update(paypalSignedString(transmissionId, transmissionTime, webhookId, request.body), "utf8");
      let ok = false;
      try {
        ok = verifier.verify(cert.leaf.publicKey, signature, "base64");
      } catch {
        ok = false;
      }
      if (!ok) return { verified: false, reason: "paypal-transmission-sig does not match" };
      return { verified: true, transmission: { transmissionId, transmissionTime, certUrl } };
    },
  };
}
