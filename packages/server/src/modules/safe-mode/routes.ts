import { OpenAPIHono } from "@hono/zod-openapi";
import { EnterSafeMode, SafeMode } from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Safe mode"];

export const safeModeRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("payments:write", {
      method: "post",
      path: "/v1/safe-mode",
      tags,
      summary:
        "Put a payment provider (or the whole environment) into safe mode: no new charges; renewals wait in " +
        "the queue, API calls that would charge answer 409 SAFE_MODE_ACTIVE. Sends safe_mode.entered",
      request: { body: jsonBody(EnterSafeMode) },
      responses: { 201: json(SafeMode, "The hold") },
    }),
    async (c) => c.json(await c.get("services").safeMode.enter(scopeOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    tenantRoute("payments:write", {
      method: "post",
      path: "/v1/safe-mode/{id}/exit",
      tags,
      summary: "Lift a safe mode: the charges it held run now. Sends safe_mode.exited",
      request: { params: IdParam },
      responses: { 200: json(SafeMode, "The lifted hold, with how many queued jobs it released") },
    }),
    async (c) => c.json(await c.get("services").safeMode.exit(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("payments:read", {
      method: "get",
      path: "/v1/safe-mode",
      tags,
      summary: "Safe modes of this environment, active and lifted, newest first",
      responses: { 200: json(z.object({ object: z.literal("list"), data: z.array(SafeMode) }), "The holds") },
    }),
    async (c) => c.json({ object: "list" as const, data: await c.get("services").safeMode.list(scopeOf(c)) }, 200),
  );
