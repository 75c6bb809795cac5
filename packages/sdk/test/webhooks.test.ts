import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  isEntitlementsUpdatedEvent,
  isTesseraWebhookError,
  signWebhook,
  verifyWebhook,
  type WebhookEvent,
} from "../src/webhooks.js";

const secret = `whsec_${randomBytes(32).toString("base64")}`;
const body = JSON.stringify({ id: "evt_1", type: "subscription.created", data: { object: { id: "sub_1" } } });
const reference = new Webhook(secret);

function referenceHeaders(at = new Date(), id = "msg_1") {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": reference.sign(id, at, body),
  };
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTesseraWebhookError(error)).toBe(true);
  return (error as { code: string }).code;
}

describe("verifyWebhook (Standard Webhooks)", () => {
  it("verifies what the standardwebhooks library signs", async () => {
    expect(await verifyWebhook(secret, referenceHeaders(), body)).toEqual(JSON.parse(body));
    // Fetch Headers and raw bytes work too.
    expect(await verifyWebhook(secret, new Headers(referenceHeaders()), new TextEncoder().encode(body))).toEqual(
      JSON.parse(body),
    );
  });

  it("signs what the standardwebhooks library verifies", async () => {
    const headers = await signWebhook(secret, { id: "msg_2", timestamp: new Date(), body });
    expect(reference.verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => reference.verify(`${body} `, headers)).toThrow();
  });

  it("accepts any matching entry of several signatures (secret rotation)", async () => {
    const headers = referenceHeaders();
    const other = new Webhook(`whsec_${randomBytes(32).toString("base64")}`).sign("msg_1", new Date(), body);
    headers["webhook-signature"] = `${other} v1a,ignored ${headers["webhook-signature"]}`;
    expect(await verifyWebhook(secret, headers, body)).toEqual(JSON.parse(body));
  });

  it("refuses a tampered body, another secret, or no signature", async () => {
    expect(await refusal(verifyWebhook(secret, referenceHeaders(), body.replace("sub_1", "sub_2")))).toBe(
      "WEBHOOK_SIGNATURE_INVALID",
    );
    const stranger = `whsec_${randomBytes(32).toString("base64")}`;
    expect(await refusal(verifyWebhook(stranger, referenceHeaders(), body))).toBe("WEBHOOK_SIGNATURE_INVALID");
    const headers = { ...referenceHeaders(), "webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl" };
    expect(await refusal(verifyWebhook(secret, headers, body))).toBe("WEBHOOK_SIGNATURE_INVALID");
    const { "webhook-signature": _, ...missing } = referenceHeaders();
    expect(await refusal(verifyWebhook(secret, missing, body))).toBe("WEBHOOK_HEADERS_MISSING");
  });

  it("refuses timestamps outside the tolerance, either way", async () => {
    const old = new Date(Date.now() - 6 * 60_000);
    expect(await refusal(verifyWebhook(secret, referenceHeaders(old), body))).toBe("WEBHOOK_TIMESTAMP_TOO_OLD");
    const future = new Date(Date.now() + 6 * 60_000);
    expect(await refusal(verifyWebhook(secret, referenceHeaders(future), body))).toBe("WEBHOOK_TIMESTAMP_TOO_NEW");
    expect(await verifyWebhook(secret, referenceHeaders(old), body, { tolerance: 600 })).toBeTruthy();
    const bad = { ...referenceHeaders(), "webhook-timestamp": "soon" };
    expect(await refusal(verifyWebhook(secret, bad, body))).toBe("WEBHOOK_TIMESTAMP_INVALID");
  });

  it("refuses a secret that is not base64", async () => {
    expect(await refusal(verifyWebhook("whsec_%%%", referenceHeaders(), body))).toBe("WEBHOOK_SECRET_INVALID");
  });
});

describe("isEntitlementsUpdatedEvent", () => {
  it("narrows a verified delivery to customer.entitlements_updated and its typed object", async () => {
    const update = {
      id: "evt_2",
      object: "event",
      type: "customer.entitlements_updated",
      data: { object: { id: "cus_1", customer: "cus_1", added: ["pro"], removed: [], changed: [], entitlements: [] } },
    };
    const text = JSON.stringify(update);
    const at = new Date();
    const headers = await signWebhook(secret, { id: "msg_2", timestamp: at, body: text });
    const event = await verifyWebhook<WebhookEvent>(secret, headers, text);
    expect(isEntitlementsUpdatedEvent(event)).toBe(true);
    if (isEntitlementsUpdatedEvent(event)) expect(event.data.object.added).toEqual(["pro"]);
    expect(isEntitlementsUpdatedEvent({ type: "customer.created" })).toBe(false);
  });
});
