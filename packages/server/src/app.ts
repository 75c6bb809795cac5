import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Deps } from "./context.js";
import { ApiError } from "./errors.js";
import { readBody } from "./http/body-size.js";
import { refuseCardData } from "./http/card-data.js";
import type { AppEnv } from "./http/env.js";
import { readiness, unavailableResponse } from "./http/health.js";
import { refuseUnsafeInput } from "./http/input-guard.js";
import { problemResponse, validationError } from "./http/problem.js";
import { requestId } from "./http/request-id.js";
import { auditRoutes } from "./modules/audit/routes.js";
import { authRoutes } from "./modules/auth/routes.js";
import { campaignRoutes } from "./modules/campaigns/routes.js";
import { bundleRoutes } from "./modules/catalog/bundle-routes.js";
import { catalogRoutes } from "./modules/catalog/routes.js";
import { channelFlowRoutes } from "./modules/channels/flow-routes.js";
import { channelNotificationRoutes } from "./modules/channels/notification-routes.js";
import { channelRoutes } from "./modules/channels/routes.js";
import { consentRoutes } from "./modules/consents/routes.js";
import { consoleRoutes } from "./modules/console/routes.js";
import { customerRoutes } from "./modules/customers/routes.js";
import { docsRoutes } from "./modules/docs/routes.js";
import { jwksRoutes } from "./modules/entitlements/jwks-routes.js";
import { entitlementRoutes } from "./modules/entitlements/routes.js";
import { eventsRoutes } from "./modules/events/routes.js";
import { invoicingRoutes } from "./modules/invoicing/routes.js";
import { metricsRoutes } from "./modules/metrics/routes.js";
import { paymentMethodRoutes } from "./modules/payments/methods-routes.js";
import { paymentRoutes } from "./modules/payments/routes.js";
import { paymentRoutingRoutes } from "./modules/payments/routing-routes.js";
import { providerWebhookRoutes } from "./modules/payments/webhook-routes.js";
import { priceChangeRoutes } from "./modules/price-changes/routes.js";
import { retentionRoutes } from "./modules/privacy/retention-routes.js";
import { privacyRoutes } from "./modules/privacy/routes.js";
import { safeModeRoutes } from "./modules/safe-mode/routes.js";
import { storefrontRoutes } from "./modules/storefronts/routes.js";
import { subscriptionRoutes } from "./modules/subscriptions/routes.js";
import { tenantPlanRoutes } from "./modules/tenancy/plan-routes.js";
import { tenancyRoutes } from "./modules/tenancy/routes.js";
import { testClocksRoutes } from "./modules/test-clocks/routes.js";
import { trialRoutes } from "./modules/trials/routes.js";
import { memberRoutes } from "./modules/users/members-routes.js";
import { userRoutes } from "./modules/users/routes.js";
import { webhookRoutes } from "./modules/webhooks/routes.js";
import { createServices, type Services } from "./services.js";

export const API_VERSION = "0.1.0";

/** A new router whose validation failures render as our problem+json. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
}

export interface CreatedApp {
  app: OpenAPIHono<AppEnv>;
  services: Services;
}

/**
 * The composition root: every dependency comes in through `deps`, so a test builds an app over
 * an in-memory database and a manual clock in one line, and production wires the real ones.
 */
export function createApp(
  deps: Deps,
  options: Parameters<typeof createServices>[1] & { readyzTimeoutMs?: number } = {},
): CreatedApp {
  const services = createServices(deps, options);
  const app = newRouter();

  app.use((c, next) => {
    c.set("deps", deps);
    c.set("services", services);
    return next();
  });
  app.use(requestId());
  // After a change committed, its events start their fan-out to consumers (webhooks, …). A failed
  // kick loses nothing: the periodic sweep finds the pending events (modules/events/fanout.ts).
  app.use(async (c, next) => {
    await next();
    const principal = c.get("principal");
    if (principal?.kind !== "tenant" || c.req.method === "GET" || c.req.method === "HEAD") return;
    await services.events
      .afterCommit(principal.scope)
      .catch((error) => c.get("logger").warn({ err: error }, "event fan-out kick failed"));
  });
  // Reads a body once, size-limited; everything after it reads the text from Hono's body cache.
  app.use(readBody());
  // NUL bytes, JSON too deep to walk, oversized path segments: refused before anything walks them.
  app.use(refuseUnsafeInput());
  // Before any route, idempotency store or log line can see a card number.
  app.use(refuseCardData());

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", readiness(deps, options.readyzTimeoutMs ?? 2000));

  for (const routes of [
    tenancyRoutes,
    tenantPlanRoutes,
    authRoutes,
    userRoutes,
    memberRoutes,
    catalogRoutes,
    bundleRoutes,
    storefrontRoutes,
    customerRoutes,
    privacyRoutes,
    consentRoutes,
    retentionRoutes,
    trialRoutes,
    campaignRoutes,
    safeModeRoutes,
    subscriptionRoutes,
    priceChangeRoutes,
    paymentRoutingRoutes,
    paymentRoutes,
    paymentMethodRoutes,
    invoicingRoutes,
    eventsRoutes,
    auditRoutes,
    testClocksRoutes,
    webhookRoutes,
    entitlementRoutes,
    jwksRoutes,
    providerWebhookRoutes,
    metricsRoutes,
    channelRoutes,
    channelFlowRoutes,
    ...channelNotificationRoutes,
  ]) {
    app.route("/", routes);
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key `tsk_<environment>_…`, bound to one tenant and environment. Send x-tn as well.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A signed-in user's access token (POST /v1/auth/login). On tenant routes send x-tn and x-env (default development) too.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "platformKey", {
    type: "http",
    scheme: "bearer",
    description: "A platform administration key `tpk_…`, made with `tessera platform-key create`.",
  });
  app.route("/", docsRoutes(app));
  app.route("/", consoleRoutes(app));

  app.notFound((c) => problemResponse(c, new ApiError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    if (error instanceof ApiError) return problemResponse(c, error);
    if (error instanceof HTTPException) {
      const code =
        error.status === 400 ? "INVALID_JSON" : error.status === 413 ? "PAYLOAD_TOO_LARGE" : "VALIDATION_FAILED";
      return problemResponse(c, new ApiError(code, error.message));
    }
    const unavailable = unavailableResponse(c, error, deps.logger);
    if (unavailable) return unavailable;
    (c.get("logger") ?? deps.logger).error({ err: error }, "unhandled error");
    return problemResponse(
      c,
      new ApiError("INTERNAL", "Something went wrong; the request id identifies it in the logs"),
    );
  });

  return { app, services };
}
