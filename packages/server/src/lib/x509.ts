import { createPublicKey, type KeyObject, randomBytes, sign } from "node:crypto";

/*
 * Issues small X.509 v3 certificates (RSA, SHA-256) with chosen validity dates. Used where a
 * vendor's certificate chain has to be stood in for: the tests' local PayPal, and the simulators,
 * which sign with a local test CA that a development environment is told to trust. Nothing in
 * production issues certificates. openssl's CLI cannot back-date a certificate, which tests with
 * a manual clock need; a DER encoder this size is simpler than a dependency.
 */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, value: Buffer) => Buffer.concat([Buffer.from([tag]), length(value.length), value]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const part of rest) {
    const chunk: number[] = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function positiveInteger(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function time(date: Date): Buffer {
  const iso = date.toISOString();
  // RFC 5280: UTCTime through 2049, GeneralizedTime after.
  if (date.getUTCFullYear() < 2050) {
    return tlv(
      0x17,
      Buffer.from(
        `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`,
      ),
    );
  }
  return tlv(
    0x18,
    Buffer.from(
      `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`,
    ),
  );
}

const name = (cn: string) => seq(set(seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(cn, "utf8")))));
const SHA256_WITH_RSA = seq(oid("1.2.840.113549.1.1.11"), Buffer.from([0x05, 0x00]));

export interface CertificateRequest {
  subject: string;
  /** Its public key (the issuer signs it). */
  publicKey: KeyObject;
  /** Self-signed when absent. */
  issuer?: { subject: string; privateKey: KeyObject };
  /** A self-signed certificate signs with this key. */
  privateKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
}

/** A PEM certificate. */
export function issueCertificate(req: CertificateRequest): string {
  const signer = req.issuer?.privateKey ?? req.privateKey;
  if (!signer) throw new Error("a self-signed certificate needs its private key");
  const spki = (req.publicKey.type === "private" ? createPublicKey(req.publicKey) : req.publicKey).export({
    type: "spki",
    format: "der",
  });
  const extensions = req.ca
    ? [
        tlv(
          0xa3,
          seq(
            // basicConstraints, critical, CA:TRUE
            seq(oid("2.5.29.19"), tlv(0x01, Buffer.from([0xff])), tlv(0x04, seq(tlv(0x01, Buffer.from([0xff]))))),
          ),
        ),
      ]
    : [];
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    positiveInteger(randomBytes(12)),
    SHA256_WITH_RSA,
    name(req.issuer?.subject ?? req.subject),
    seq(time(req.notBefore), time(req.notAfter)),
    name(req.subject),
    spki,
    ...extensions,
  );
  const signature = sign("sha256", tbs, signer);
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
