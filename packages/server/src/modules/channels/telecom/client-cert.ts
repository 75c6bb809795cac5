import { X509Certificate } from "node:crypto";
import { constantTimeEqual } from "../../../lib/crypto.js";
import type { ChannelSettings } from "../port.js";

/*
 * Fortumo's documented callback authentication is TLS client authentication: every callback comes
 * with a client certificate (CN / DNS SAN api.fortumo.io) issued by a CA Fortumo approves
 * (developer.fortumo.com "Security": "Fortumo supports TLS client authentication for callbacks").
 * Tessera sits behind a TLS-terminating reverse proxy, so the proxy verifies the certificate and
 * passes it on in a header it sets itself (overwriting whatever the client sent): either the
 * certificate (nginx `$ssl_client_escaped_cert`, URL-encoded PEM) or its SHA-256 fingerprint
 * (hex, with or without colons). Tessera accepts the callback only when that certificate's
 * SHA-256 is one the storefront pinned, and, when a verify-status header is configured, the proxy
 * says the chain verified (`SUCCESS`, nginx `$ssl_client_verify`).
 */

export const CLIENT_CERT_MODE = "client_certificate";
export const DEFAULT_CERT_HEADER = "x-client-cert";

export interface ClientCertSettings {
  header: string;
  verifyHeader: string | null;
  fingerprints: string[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const normalized = (fingerprint: string) => fingerprint.replace(/[:\s]/g, "").toLowerCase();
const text = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : null);

/** The client-certificate settings when the storefront chose them (`config.callback_auth`), else null. */
export function clientCertSettings(settings: ChannelSettings): ClientCertSettings | null {
  if (settings.config.callback_auth !== CLIENT_CERT_MODE) return null;
  return {
    header: (text(settings.config.client_cert_header) ?? DEFAULT_CERT_HEADER).toLowerCase(),
    verifyHeader: text(settings.config.client_cert_verify_header)?.toLowerCase() ?? null,
    fingerprints: (text(settings.config.client_cert_sha256) ?? "")
      .split(",")
      .map(normalized)
      .filter((f) => f.length > 0),
  };
}

/** What is wrong with the client-certificate settings (checked when they are set). */
export function checkClientCertSettings(s: ClientCertSettings): Array<{ path: string; message: string }> {
  if (s.fingerprints.length === 0 || s.fingerprints.some((f) => !HEX64.test(f))) {
    return [
      {
        path: "config.client_cert_sha256",
        message: "the aggregator's client certificate SHA-256 fingerprints (64 hex digits each, comma-separated)",
      },
    ];
  }
  return [];
}

/** The SHA-256 of the certificate the proxy passed on: a fingerprint as given, or a PEM's, computed. */
function fingerprintOf(value: string): string | null {
  const direct = normalized(value);
  if (HEX64.test(direct)) return direct;
  let pem = value;
  try {
    if (value.includes("%")) pem = decodeURIComponent(value);
  } catch {
    return null;
  }
  if (!pem.includes("BEGIN CERTIFICATE")) return null;
  try {
    return normalized(new X509Certificate(pem).fingerprint256);
  } catch {
    return null;
  }
}

export type CertCheck = { ok: true } | { ok: false; code: string; reason: string };

export function checkClientCertificate(headers: Readonly<Record<string, string>>, s: ClientCertSettings): CertCheck {
  if (s.verifyHeader && headers[s.verifyHeader] !== "SUCCESS") {
    return { ok: false, code: "UNSIGNED", reason: `the proxy did not verify a client certificate (${s.verifyHeader})` };
  }
  const value = headers[s.header];
  if (!value) return { ok: false, code: "UNSIGNED", reason: `no client certificate in ${s.header}` };
  const fingerprint = fingerprintOf(value);
  if (!fingerprint) return { ok: false, code: "MALFORMED", reason: `${s.header} holds no certificate or SHA-256` };
  if (!s.fingerprints.some((pinned) => constantTimeEqual(pinned, fingerprint))) {
    return { ok: false, code: "BAD_SIGNATURE", reason: "the client certificate is not one this storefront pinned" };
  }
  return { ok: true };
}
