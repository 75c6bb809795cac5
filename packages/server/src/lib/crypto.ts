import * as crypto from "node:crypto";
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

// crypto.hash (Node ≥ 20.12) hashes in one call, without a Hash object per call: every
// authenticated request hashes its API key.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

export function sha256Hex(input: string): string {
  return oneShot ? oneShot("sha256", input, "hex") : createHash("sha256").update(input).digest("hex");
}

/** A url-safe random secret with `bytes` bytes of entropy. */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Encrypts secrets at rest (provider credentials, signing keys) with AES-256-GCM under a key
 * derived from the master key. The purpose string is bound as additional data, so a blob written
 * for one purpose cannot be replayed as another.
 */
export class SecretBox {
  readonly #key: Buffer;
  readonly #digestKey: Buffer;

  constructor(masterKey: string) {
    if (masterKey.length < 32) throw new Error("TESSERA_MASTER_KEY must be at least 32 characters");
    this.#key = Buffer.from(hkdfSync("sha256", masterKey, "tessera", "tessera/secret-box/v1", 32));
    this.#digestKey = Buffer.from(hkdfSync("sha256", masterKey, "tessera", "tessera/digest/v1", 32));
  }

  /**
   * A keyed digest (HMAC-SHA256) of a value, for matching it later without keeping it: unlike a
   * plain hash, an e-mail or phone number cannot be found by hashing guesses without the key.
   */
  digest(value: string, purpose: string): string {
    return createHmac("sha256", this.#digestKey).update(purpose).update("\0").update(value).digest("base64url");
  }

  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(
      ".",
    );
  }

  open(sealed: string, purpose: string): string {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("not a sealed secret");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}
