import { createHmac, randomBytes } from "node:crypto";

/** Standard Webhooks secrets are `whsec_` + base64 of the raw HMAC key. */
export const SECRET_PREFIX = "whsec_";
/** 32 random bytes: above the spec's 24-byte minimum and the HMAC-SHA256 block-size sweet spot. */
const SECRET_BYTES = 32;

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64");
}

/** The SecretBox purpose binds a sealed secret to its endpoint: a blob copied to another row won't open. */
export function secretPurpose(endpointId: string): string {
  return `webhook-secret:${endpointId}`;
}

/**
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64-decoded secret after
 * the prefix: exactly what any Standard Webhooks library recomputes.
 */
export function signPayload(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/** Several signatures are space-separated; a receiver accepts the message if any one matches. */
export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string) {
  return secrets.map((s) => signPayload(s, id, timestampSeconds, body)).join(" ");
}
