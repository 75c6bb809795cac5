import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "../../http/env.js";
import { json, ProblemSchema, publicRoute } from "../../http/route.js";

const Params = z.object({
  provider: z.string().min(1).max(64).meta({ description: "The payment provider's name, e.g. sandbox." }),
  storefront: z.string().min(1).max(64).meta({ description: "The storefront whose provider account sends it." }),
});

const Receipt = z
  .object({
    received: z.number().int().meta({ description: "New events stored for applying." }),
    duplicates: z.number().int().meta({ description: "Events already received before (nothing changed)." }),
  })
  .meta({ id: "ProviderWebhookReceipt" });

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/**
 * Where payment providers push their events (DESIGN §7). Public: no API key, because the vendor
 * has none of ours; the adapter verifies the request its vendor's way (a signature with the
 * storefront's webhook secret) before anything is stored. The body is read raw, never as JSON
 * through a schema, because the signature is over its exact bytes.
 */
export const providerWebhookRoutes = new OpenAPIHono<AppEnv>().openapi(
  publicRoute({
    method: "post",
    path: "/v1/providers/{provider}/webhooks/{storefront}",
    tags: ["Payments"],
    summary: "Receive a payment provider's webhook (verified by the provider's adapter, applied by a job)",
    // For the vendor, not for API clients: the SDK has no method for it (its API test skips it).
    "x-caller": "payment-provider",
    request: { params: Params },
    responses: {
      200: json(Receipt, "Verified and stored; duplicates change nothing"),
      401: problem("The adapter could not verify the request"),
      404: problem("No such provider, storefront, or provider on that storefront"),
    },
  }),
  async (c) => {
    const { provider, storefront } = c.req.valid("param");
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const receipt = await c.get("services").providerInbox.receive(provider, storefront, {
      headers,
      body: await c.req.text(),
    });
    return c.json(receipt, 200);
  },
);
