import { OpenAPIHono } from "@hono/zod-openapi";
import {
  CheckEntitlement,
  CreateGrant,
  CustomerEntitlements,
  EntitlementCheck,
  EntitlementToken,
  Grant,
  IssueToken,
  listOf,
  RecordUsage,
  RotateSigningKey,
  SigningKey,
  UsageListQuery,
  UsageRecord,
} from "@tessera/core";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Entitlements"];

const CustomerParam = z.object({ id: z.string().meta({ description: "Customer id." }) });
const GrantParams = CustomerParam.extend({ grant_id: z.string().meta({ description: "Grant id (grt_…)." }) });

const RotationResult = z.object({ key: SigningKey, previous: z.array(SigningKey) }).meta({ id: "SigningKeyRotation" });

/** A body that may be left out entirely (no content-type): the defaults apply. */
const optionalBody = <T extends z.ZodType>(schema: T) => ({
  required: false,
  content: { "application/json": { schema } },
});

export const entitlementRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("entitlements:read", {
      method: "get",
      path: "/v1/customers/{id}/entitlements",
      tags,
      summary:
        "A customer's effective entitlements: every granting subscription and active grant merged " +
        "(flag = OR, tier = highest, quota = sum of limits, content = union), with their sources and quota usage",
      request: { params: CustomerParam },
      responses: { 200: json(CustomerEntitlements, "The effective entitlements") },
    }),
    async (c) => c.json(await c.get("services").entitlements.getEntitlements(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("entitlements:write", {
      method: "post",
      path: "/v1/customers/{id}/entitlements/check",
      tags,
      summary:
        "Decide whether the customer may use an entitlement now; with `consume`, take quota units atomically. " +
        "A refusal is 200 with allowed: false and a code (NOT_ENTITLED, QUOTA_EXCEEDED, …)",
      request: { params: CustomerParam, body: jsonBody(CheckEntitlement) },
      responses: { 200: json(EntitlementCheck, "The decision") },
    }),
    async (c) =>
      c.json(await c.get("services").entitlements.check(scopeOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    tenantRoute("entitlements:read", {
      method: "post",
      path: "/v1/customers/{id}/entitlements/token",
      tags,
      summary:
        "Issue a signed entitlement token (JWS, EdDSA or ES256) for offline checks with the SDK. It lives " +
        "15 minutes by default and never past the next known change",
      request: { params: CustomerParam, body: optionalBody(IssueToken) },
      responses: { 200: json(EntitlementToken, "The token") },
    }),
    async (c) =>
      c.json(
        await c.get("services").entitlements.issueToken(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("entitlements:write", {
      method: "post",
      path: "/v1/customers/{id}/usage",
      tags,
      summary:
        "Record metered use of a quota in the window its timestamp falls in (calendar day, ISO week, month " +
        "or year, UTC). idempotency_key (or the Idempotency-Key header) records it once, forever",
      request: { params: CustomerParam, body: jsonBody(RecordUsage) },
      responses: {
        200: json(UsageRecord, "Already recorded under this idempotency key"),
        201: json(UsageRecord, "Recorded"),
      },
    }),
    async (c) => {
      const { record, created } = await c
        .get("services")
        .entitlements.recordUsage(
          scopeOf(c),
          c.req.valid("param").id,
          c.req.valid("json"),
          c.req.header("idempotency-key"),
        );
      return created ? c.json(record, 201) : c.json(record, 200);
    },
  )
  .openapi(
    tenantRoute("entitlements:read", {
      method: "get",
      path: "/v1/customers/{id}/usage",
      tags,
      summary:
        "List a customer's usage records (recorded by POST /usage and taken by consuming checks), newest recorded " +
        "first. Filter by entitlement (id or key) and by when the use occurred (from ≤ timestamp < to). Each " +
        "record's used is its window's use now; limit and remaining are the customer's current ones",
      request: { params: CustomerParam, query: UsageListQuery },
      responses: { 200: json(listOf(UsageRecord, "UsageRecord"), "A page of usage records") },
    }),
    async (c) =>
      c.json(
        await c.get("services").entitlements.listUsage(scopeOf(c), c.req.valid("param").id, c.req.valid("query")),
        200,
      ),
  )
  .openapi(
    tenantRoute("entitlements:read", {
      method: "get",
      path: "/v1/customers/{id}/grants",
      tags,
      summary: "List a customer's manual grants (active, expired and revoked), newest first",
      request: { params: CustomerParam },
      responses: { 200: json(listOf(Grant, "Grant"), "The grants") },
    }),
    async (c) => {
      const data = await c.get("services").entitlements.listGrants(scopeOf(c), c.req.valid("param").id);
      return c.json({ object: "list" as const, data, has_more: false, next_cursor: null }, 200);
    },
  )
  .openapi(
    tenantRoute("entitlements:write", {
      method: "post",
      path: "/v1/customers/{id}/grants",
      tags,
      summary: "Grant an entitlement by hand (a comp, a support fix), optionally until expires_at",
      request: { params: CustomerParam, body: jsonBody(CreateGrant) },
      responses: { 201: json(Grant, "The grant") },
    }),
    async (c) =>
      c.json(
        await c.get("services").entitlements.createGrant(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        201,
      ),
  )
  .openapi(
    tenantRoute("entitlements:read", {
      method: "get",
      path: "/v1/customers/{id}/grants/{grant_id}",
      tags,
      summary: "Get a manual grant",
      request: { params: GrantParams },
      responses: { 200: json(Grant, "The grant") },
    }),
    async (c) => {
      const { id, grant_id } = c.req.valid("param");
      return c.json(await c.get("services").entitlements.getGrant(scopeOf(c), id, grant_id), 200);
    },
  )
  .openapi(
    tenantRoute("entitlements:write", {
      method: "delete",
      path: "/v1/customers/{id}/grants/{grant_id}",
      tags,
      summary: "Revoke a manual grant, effective immediately",
      request: { params: GrantParams },
      responses: { 200: json(Grant, "The revoked grant") },
    }),
    async (c) => {
      const { id, grant_id } = c.req.valid("param");
      return c.json(await c.get("services").entitlements.revokeGrant(scopeOf(c), id, grant_id), 200);
    },
  )
  .openapi(
    tenantRoute("entitlements:read", {
      method: "get",
      path: "/v1/signing-keys",
      tags,
      summary: "This environment's token signing keys: the active one, those still published, and retired ones",
      responses: { 200: json(listOf(SigningKey, "SigningKey"), "The keys") },
    }),
    async (c) => {
      const data = await c.get("services").entitlements.listSigningKeys(scopeOf(c));
      return c.json({ object: "list" as const, data, has_more: false, next_cursor: null }, 200);
    },
  )
  .openapi(
    tenantRoute("entitlements:write", {
      method: "post",
      path: "/v1/signing-keys/rotate",
      tags,
      summary:
        "Rotate this environment's signing key: the new key is published at once and signs after the lead time " +
        "(activate_after_seconds, default 300 s), so verifiers can fetch it first; the old one signs until then " +
        "and stays in the JWKS until every token it signed has expired",
      request: { body: optionalBody(RotateSigningKey) },
      responses: { 200: json(RotationResult, "The new key and the previous ones") },
    }),
    async (c) => {
      const { alg, activate_after_seconds } = c.req.valid("json");
      return c.json(
        await c.get("services").entitlements.rotateSigningKey(scopeOf(c), alg, activate_after_seconds),
        200,
      );
    },
  );
