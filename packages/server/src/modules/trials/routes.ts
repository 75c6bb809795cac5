import { OpenAPIHono } from "@hono/zod-openapi";
import { TrialEligibility, TrialIdentityInput, TrialPolicy, UpdateTrialPolicy } from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Trials"];

const EligibilityQuery = TrialIdentityInput.extend({
  // Required, but checked after the customer lookup, so another tenant's customer is a 404 first.
  price: z.string().min(1).optional().meta({ description: "Required: the price whose trial is asked about." }),
});

export const trialRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("storefronts:read", {
      method: "get",
      path: "/v1/storefronts/{id}/trial-policy",
      tags,
      summary: "The storefront's trial policy (no limits until set)",
      request: { params: IdParam },
      responses: { 200: json(TrialPolicy, "The policy") },
    }),
    async (c) => c.json(await c.get("services").trials.getPolicy(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("storefronts:write", {
      method: "patch",
      path: "/v1/storefronts/{id}/trial-policy",
      tags,
      summary: "Set the storefront's trial policy: one trial per customer, e-mail, payment method, device or MSISDN",
      request: { params: IdParam, body: jsonBody(UpdateTrialPolicy) },
      responses: { 200: json(TrialPolicy, "The policy") },
    }),
    async (c) =>
      c.json(
        await c.get("services").trials.updatePolicy(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("customers:read", {
      method: "get",
      path: "/v1/customers/{id}/eligibility",
      tags,
      summary: "Whether the customer may have the price's trial, and the rule that decided",
      request: { params: IdParam, query: EligibilityQuery },
      responses: { 200: json(TrialEligibility, "The decision") },
    }),
    async (c) => {
      const { price, ...identity } = c.req.valid("query");
      return c.json(
        await c.get("services").trials.eligibility(scopeOf(c), c.req.valid("param").id, price, identity),
        200,
      );
    },
  );
