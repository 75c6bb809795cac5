import { verify, X509Certificate } from "node:crypto";
import { rootCertificates } from "node:tls";
import type { Clock } from "../../../../lib/clock.js";
import { crc32 } from "../../../../lib/crc32.js";

/*
 * PayPal's webhook signature, checked locally (developer.paypal.com "Verify webhook signature",
 * and the `verify_webhook_signature` fields in paypal/paypal-rest-api-specifications
 * notifications_webhooks_v1.json): PayPal signs
 *   <PAYPAL-TRANSMISSION-ID>|<PAYPAL-TRANSMISSION-TIME>|<webhook id>|<CRC32 of the raw body, decimal>
 * with SHA256withRSA (PAYPAL-AUTH-ALGO) and names its certificate in PAYPAL-CERT-URL. The URL is
 * attacker-controlled, so the certificate is fetched only over https from PayPal's own hosts, its
 * chain must lead to a trusted root (the system's by default, a test CA in tests), it must be
 * valid now and issued to a paypal.com name. Certificates are cached per URL.
 */

export type PayPalSignatureCheck = { ok: true } | { ok: false; code: PayPalSignatureFailure; reason: string };

export type PayPalSignatureFailure =
  | "MISSING_SIGNATURE"
  | "UNSUPPORTED_ALGORITHM"
  | "CERT_URL_NOT_ALLOWED"
  | "CERT_UNAVAILABLE"
  | "CERT_CHAIN_INVALID"
  | "STALE_TRANSMISSION"
  | "BAD_SIGNATURE";

export interface PayPalSignatureOptions {
  /** The HTTP client (tests reach a local PayPal through it; the URL's host is checked first). */
  fetch: typeof fetch;
  clock: Clock;
  /** PEM roots the certificate chain must end in; Node's bundled roots by default. */
  trustedRoots?: readonly string[];
  /**
   * How far the transmission time may be from now. PayPal sends every delivery attempt as a new
   * transmission, so an old one seen again is a replay; the event id dedupe catches the rest.
   */
  toleranceSeconds?: number;
}

export interface PayPalSignedRequest {
  headers: Readonly<Record<string, string>>;
  body: string;
  /** The id PayPal gave the webhook subscription this storefront registered. */
  webhookId: string;
}

const DEFAULT_TOLERANCE_SECONDS = 15 * 60;
const CACHE_LIMIT = 32;

/** PayPal serves its message-verification certificates from api(-m)(.sandbox).paypal.com. */
export function isPayPalCertUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase();
  return (
    url.protocol === "https:" &&
    url.port === "" &&
    url.username === "" &&
    (host === "paypal.com" || host.endsWith(".paypal.com"))
  );
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** A verifier with its own certificate cache (one per app, so tests do not share one). */
export function payPalSignatureVerifier(options: PayPalSignatureOptions) {
  const roots = (options.trustedRoots ?? rootCertificates).map((pem) => new X509Certificate(pem));
  const tolerance = (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS) * 1000;
  const cache = new Map<string, X509Certificate[]>();

  function chainProblem(chain: X509Certificate[], now: Date): string | undefined {
    if (chain.length === 0) return "the certificate URL held no certificate";
    for (const cert of chain) {
      if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) {
        return `${cert.subject.replace(/\n/g, ", ")} is not valid at ${now.toISOString()}`;
      }
    }
    const leaf = chain[0]!;
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1]?.toLowerCase() ?? "";
    if (!cn.endsWith(".paypal.com")) return `the certificate is issued to "${cn}", not a paypal.com name`;
    for (let i = 0; i < chain.length - 1; i++) {
      const child = chain[i]!;
      const parent = chain[i + 1]!;
      if (!parent.ca || !child.checkIssued(parent) || !child.verify(parent.publicKey)) {
        return `${child.subject.replace(/\n/g, ", ")} is not signed by the next certificate of the chain`;
      }
    }
    const top = chain[chain.length - 1]!;
    const anchored = roots.some(
      (root) =>
        root.fingerprint256 === top.fingerprint256 || (root.ca && top.checkIssued(root) && top.verify(root.publicKey)),
    );
    return anchored ? undefined : "the certificate chain does not lead to a trusted root";
  }

  async function certificate(
    url: string,
  ): Promise<X509Certificate[] | { code: PayPalSignatureFailure; reason: string }> {
    const cached = cache.get(url);
    if (cached) return cached;
    let text: string;
    try {
      const response = await options.fetch(url, { redirect: "error" });
      if (!response.ok) return { code: "CERT_UNAVAILABLE", reason: `${url} answered ${response.status}` };
      text = await response.text();
    } catch (error) {
      return { code: "CERT_UNAVAILABLE", reason: `${url}: ${error instanceof Error ? error.message : "unreachable"}` };
    }
    let chain: X509Certificate[];
    try {
      chain = splitPem(text).map((pem) => new X509Certificate(pem));
    } catch {
      return { code: "CERT_CHAIN_INVALID", reason: `${url} does not hold PEM certificates` };
    }
    const problem = chainProblem(chain, options.clock.now());
    if (problem) return { code: "CERT_CHAIN_INVALID", reason: problem };
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(url, chain);
    return chain;
  }

  return async function verifyPayPalSignature(request: PayPalSignedRequest): Promise<PayPalSignatureCheck> {
    const h = request.headers;
    const transmissionId = h["paypal-transmission-id"];
    const transmissionTime = h["paypal-transmission-time"];
    const signature = h["paypal-transmission-sig"];
    const certUrl = h["paypal-cert-url"];
    const algorithm = h["paypal-auth-algo"];
    if (!transmissionId || !transmissionTime || !signature || !certUrl || !algorithm) {
      return {
        ok: false,
        code: "MISSING_SIGNATURE",
        reason: "the PAYPAL-TRANSMISSION-* / PAYPAL-CERT-URL headers are missing",
      };
    }
    if (algorithm !== "SHA256withRSA") {
      return { ok: false, code: "UNSUPPORTED_ALGORITHM", reason: `PAYPAL-AUTH-ALGO ${algorithm} is not SHA256withRSA` };
    }
    if (!isPayPalCertUrl(certUrl)) {
      return {
        ok: false,
        code: "CERT_URL_NOT_ALLOWED",
        reason: `PAYPAL-CERT-URL ${certUrl} is not an https URL on paypal.com`,
      };
    }
    const sentAt = Date.parse(transmissionTime);
    const now = options.clock.now().getTime();
    if (Number.isNaN(sentAt) || Math.abs(now - sentAt) > tolerance) {
      return {
        ok: false,
        code: "STALE_TRANSMISSION",
        reason: `PAYPAL-TRANSMISSION-TIME ${transmissionTime} is more than ${tolerance / 1000}s from now: a replay or a wrong clock`,
      };
    }
    const chain = await certificate(certUrl);
    if (!Array.isArray(chain)) return { ok: false, ...chain };
    const message = `${transmissionId}|${transmissionTime}|${request.webhookId}|${crc32(request.body)}`;
    const valid = verify("sha256", Buffer.from(message), chain[0]!.publicKey, Buffer.from(signature, "base64"));
    return valid
      ? { ok: true }
      : { ok: false, code: "BAD_SIGNATURE", reason: "PAYPAL-TRANSMISSION-SIG does not match this body and webhook id" };
  };
}

export type PayPalSignatureVerifier = ReturnType<typeof payPalSignatureVerifier>;
