import { OpenAPIHono } from "@hono/zod-openapi";
import { AdvanceTestClock, TestClock } from "@tessera/core";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Test clocks"];

export const testClocksRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("test_clocks:write", {
      method: "get",
      path: "/v1/test-clocks/current",
      tags,
      summary: "This environment's time, and whether a test clock freezes it",
      responses: { 200: json(TestClock, "The clock") },
    }),
    async (c) => c.json(await c.get("services").testClocks.get(scopeOf(c)), 200),
  )
  .openapi(
    tenantRoute("test_clocks:write", {
      method: "post",
      path: "/v1/test-clocks/advance",
      tags,
      summary: "Move this environment's time forward and run everything that became due, in order (not in production)",
      request: { body: jsonBody(AdvanceTestClock) },
      responses: { 200: json(TestClock, "The clock after the move, with how many jobs ran") },
    }),
    async (c) => c.json(await c.get("services").testClocks.advance(scopeOf(c), c.req.valid("json")), 200),
  )
  .openapi(
    tenantRoute("test_clocks:write", {
      method: "post",
      path: "/v1/test-clocks/reset",
      tags,
      summary:
        "Unfreeze this environment's time: it follows real time again; objects keep their times (not in production)",
      responses: { 200: json(TestClock, "The clock, following real time") },
    }),
    async (c) => c.json(await c.get("services").testClocks.reset(scopeOf(c)), 200),
  );
