import { OpenAPIHono } from "@hono/zod-openapi";
import { Event, EventListQuery, listOf } from "@tessera/core";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, tenantRoute } from "../../http/route.js";

const tags = ["Events"];

export const eventsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("events:read", {
      method: "get",
      path: "/v1/events",
      tags,
      summary: "List lifecycle events, newest first or with order=asc oldest first (filter by type, object, time)",
      request: { query: EventListQuery },
      responses: { 200: json(listOf(Event, "Event"), "A page of events") },
    }),
    async (c) => c.json(await c.get("services").events.list(scopeOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    tenantRoute("events:read", {
      method: "get",
      path: "/v1/events/{id}",
      tags,
      summary: "Get an event",
      request: { params: IdParam },
      responses: { 200: json(Event, "The event") },
    }),
    async (c) => c.json(await c.get("services").events.get(scopeOf(c), c.req.valid("param").id), 200),
  );
