import { X509Certificate } from "node:crypto";
import { CompactSign, importPKCS8 } from "jose";
import jsrsasign from "jsrsasign";

/*
 * A local stand-in for Apple's signing chain, for tests and the `tessera simulate app-store`
 * command on development environments: a root (trusted by putting its PEM in the storefront's
 * `root_certificates`), an intermediate carrying Apple's WWDR intermediate marker
 * (1.2.840.113635.100.6.2.1) and a leaf carrying the App Store receipt-signing marker
 * (1.2.840.113635.100.6.11.1), which Apple's verifier requires. Never trusted by production
 * settings: Apple Root CA G3 is the default root there.
 */

const { KEYUTIL, KJUR } = jsrsasign;

export const APPLE_INTERMEDIATE_OID = "1.2.840.113635.100.6.2.1";
export const APPLE_LEAF_OID = "1.2.840.113635.100.6.11.1";

export interface SigningChain {
  rootPem: string;
  /** x5c as Apple sends it: leaf, intermediate, root (base64 DER). */
  x5c: [string, string, string];
  leafKeyPem: string;
}

interface KeyPair {
  prvKeyObj: jsrsasign.KJUR.crypto.ECDSA;
  pubKeyObj: jsrsasign.KJUR.crypto.ECDSA;
}

function keyPair(): KeyPair {
  return KEYUTIL.generateKeypair("EC", "secp256r1") as unknown as KeyPair;
}

function certificate(o: {
  serial: number;
  subject: string;
  issuer: string;
  key: KeyPair;
  signer: KeyPair;
  ca: boolean;
  marker?: string;
  validity: [string, string];
}): string {
  const ext: unknown[] = [{ extname: "basicConstraints", critical: true, cA: o.ca }];
  if (o.ca) ext.push({ extname: "keyUsage", critical: true, names: ["keyCertSign", "cRLSign"] });
  // The marker extensions carry ASN.1 NULL, as Apple's certificates do.
  if (o.marker) ext.push({ extname: o.marker, extn: "0500" });
  const cert = new KJUR.asn1.x509.Certificate({
    version: 3,
    serial: { int: o.serial },
    issuer: { str: o.issuer },
    subject: { str: o.subject },
    notbefore: o.validity[0],
    notafter: o.validity[1],
    sbjpubkey: o.key.pubKeyObj,
    ext,
    sigalg: "SHA256withECDSA",
    cakey: o.signer.prvKeyObj,
  } as never);
  return cert.getPEM();
}

const der = (pem: string) => new X509Certificate(pem).raw.toString("base64");

/** A fresh root → intermediate → leaf chain; `markers: false` leaves Apple's OIDs out (a wrong chain). */
export function createSigningChain(
  options: { markers?: boolean; validity?: [string, string]; name?: string } = {},
): SigningChain {
  const markers = options.markers ?? true;
  const validity = options.validity ?? ["20200101000000Z", "20400101000000Z"];
  const name = options.name ?? "Tessera Local App Store";
  const root = keyPair();
  const intermediate = keyPair();
  const leaf = keyPair();
  const rootPem = certificate({
    serial: 1,
    subject: `/CN=${name} Root CA/O=Tessera`,
    issuer: `/CN=${name} Root CA/O=Tessera`,
    key: root,
    signer: root,
    ca: true,
    validity,
  });
  const intermediatePem = certificate({
    serial: 2,
    subject: `/CN=${name} Intermediate/O=Tessera`,
    issuer: `/CN=${name} Root CA/O=Tessera`,
    key: intermediate,
    signer: root,
    ca: true,
    ...(markers && { marker: APPLE_INTERMEDIATE_OID }),
    validity,
  });
  const leafPem = certificate({
    serial: 3,
    subject: `/CN=${name} Signing/O=Tessera`,
    issuer: `/CN=${name} Intermediate/O=Tessera`,
    key: leaf,
    signer: intermediate,
    ca: false,
    ...(markers && { marker: APPLE_LEAF_OID }),
    validity,
  });
  return {
    rootPem,
    x5c: [der(leafPem), der(intermediatePem), der(rootPem)],
    leafKeyPem: KEYUTIL.getPEM(leaf.prvKeyObj, "PKCS8PRV"),
  };
}

/** Signs a payload the way the App Store does: ES256 JWS with the chain in `x5c`. */
export async function signAppStore(chain: SigningChain, payload: unknown): Promise<string> {
  const key = await importPKCS8(chain.leafKeyPem, "ES256");
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "ES256", x5c: chain.x5c })
    .sign(key);
}
