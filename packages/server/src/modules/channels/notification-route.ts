import { OpenAPIHono } from "@hono/zod-openapi";
import { type ChannelName, ChannelNotificationReceipt } from "@tessera/core";
import { z } from "zod";
import type { AppEnv } from "../../http/env.js";
import { json, problem, publicRoute } from "../../http/route.js";
import { NOTIFICATION_PATHS } from "./paths.js";

const Params = z.object({
  storefront_id: z.string().min(1).max(64).meta({ description: "The storefront whose channel settings verify it." }),
});

/**
 * The public route a vendor pushes a channel's notifications to (the path is the channel's in
 * paths.ts). No API key: the vendor has none of ours, so the adapter's verification with the
 * storefront's settings is the only authentication. The body is read raw, because signatures
 * cover its exact bytes. Duplicates are answered 200 like the first delivery (the vendor stops
 * retrying); a refused push is 401 CHANNEL_NOTIFICATION_REFUSED (kept in the inbox, unverified).
 */
export function notificationRoute(channel: ChannelName, doc: { summary: string; description?: string }) {
  const path = NOTIFICATION_PATHS[channel];
  if (!path) throw new Error(`the ${channel} channel takes no notifications`);
  return new OpenAPIHono<AppEnv>().openapi(
    publicRoute({
      method: "post",
      path,
      tags: ["Channels"],
      summary: doc.summary,
      ...(doc.description && { description: doc.description }),
      // For the vendor, not for API clients: the SDK has no method for it.
      "x-caller": "channel-vendor",
      request: { params: Params },
      responses: {
        200: json(ChannelNotificationReceipt, "Verified and kept; duplicates change nothing"),
        401: problem("The notification failed verification (CHANNEL_NOTIFICATION_REFUSED)"),
        404: problem("No such storefront"),
        422: problem("The storefront does not enable the channel, or has no settings for it"),
      },
    }),
    async (c) => {
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((value, name) => {
        headers[name.toLowerCase()] = value;
      });
      const { received } = await c
        .get("services")
        .channels.receiveFor(
          channel,
          c.req.valid("param").storefront_id,
          { headers, body: await c.req.text() },
          c.get("requestId"),
        );
      const duplicates = received.notifications.filter((n) => n.duplicate).length;
      return c.json({ received: received.notifications.length - duplicates, duplicates }, 200);
    },
  );
}
