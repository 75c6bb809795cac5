import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import type { AppEnv } from "../../http/env.js";
import { fixNullableRefs, requestDefaultsAsText } from "./normalize.js";
import { OPERATION_IDS } from "./operation-ids.js";

const require = createRequire(import.meta.url);

type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

/**
 * The OpenAPI 3.1 document of every route of `app`, served at `baseUrl` (the `servers` entry;
 * relative when unknown). Operations without an `operationId` of their own get theirs from
 * OPERATION_IDS.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>, baseUrl = ""): OpenApiDocument {
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    servers: [{ url: baseUrl.replace(/\/$/, "") || "/", description: "This Tessera server" }],
    info: {
      title: "Tessera API",
      version: "0.1.0",
      license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
      description:
        "Subscription orchestration: tenants, catalog, storefronts, customers, subscriptions, entitlements, webhooks. " +
        "Every tenant route needs `Authorization: Bearer tsk_…` and `x-tn`. Errors are RFC 9457 problem+json.",
    },
    tags: [
      { name: "Tenants", description: "Platform administration (platform key)." },
      {
        name: "Audit",
        description:
          "The tamper-evident trail: actions, the platform's decisions and their outcomes, and their lineage.",
      },
      {
        name: "Users and sessions",
        description: "People who sign in: sessions with rotating refresh tokens, two-factor, invitations and roles.",
      },
      {
        name: "Roles",
        description:
          "Built-in roles (immutable) and a tenant's custom roles: named sets of permissions, per environment.",
      },
      { name: "API keys", description: "Secret keys of one tenant environment, each with its permissions." },
      { name: "Catalog", description: "Entitlements, bundles and prices." },
      { name: "Storefronts", description: "Sales channels: the bundles they sell, payment and fiscal providers." },
      { name: "Customers", description: "The people who subscribe, each of one storefront." },
      {
        name: "Channels",
        description:
          "Subscriptions a store or partner runs (App Store, Google Play, PayPal, carriers): per-storefront " +
          "settings, the product map, customer links, and the vendors' notifications (docs/channels.md).",
      },
      {
        name: "Privacy",
        description: "Exports and erasure of a customer's data across every module (docs/privacy.md).",
      },
      {
        name: "Consents",
        description: "What each customer agreed to, for which purpose and text version, with its history.",
      },
      {
        name: "Price changes",
        description:
          "Moving the current subscribers of a price to a new one: grandfather, notify, or require consent, " +
          "applied at a renewal (docs/price-changes.md).",
      },
      {
        name: "Trials",
        description: "Trial eligibility: who may have one trial per storefront or bundle (docs/campaigns.md).",
      },
      {
        name: "Safe mode",
        description: "The operator's switch holding new charges of a provider or environment (docs/privacy.md).",
      },
      {
        name: "Campaigns",
        description:
          "Coupons, promotion codes, discounts on subscriptions, triggered offers and the redemption ledger (docs/campaigns.md).",
      },
      {
        name: "Subscriptions",
        description: "Subscriptions and their lifecycle: trials, renewals, dunning, plan changes, cancellation.",
      },
      { name: "Payments", description: "Every payment attempt, and refunds." },
      { name: "Disputes", description: "Chargebacks the PSPs report on payments: open, then won or lost." },
      {
        name: "Payment methods",
        description:
          "A customer's stored payment methods: one provider token per PSP that vaulted it, never card data.",
      },
      {
        name: "Payment routing",
        description: "Per-storefront rules, fees and preferences that score PSPs for each payment, and a dry run.",
      },
      {
        name: "Invoicing",
        description:
          "Fiscal invoices and credit notes tied to payments (EN 16931 UBL and PDF), the seller's legal entity per " +
          "storefront and customers' billing details.",
      },
      {
        name: "Entitlements",
        description:
          "A customer's effective entitlements, manual grants, metered usage and checks, signed entitlement tokens, " +
          "their signing keys and the public JWKS.",
      },
      { name: "Events", description: "Immutable lifecycle events." },
      {
        name: "Metrics",
        description:
          "Subscription metrics (MRR, churn, trial conversion, revenue, recovery) as docs/metrics.md defines them.",
      },
      { name: "Test clocks", description: "Simulated time for non-production environments." },
      { name: "Webhooks", description: "Signed event deliveries (Standard Webhooks), the delivery log and replay." },
    ],
  });
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      if (operation && !operation.operationId) {
        const id = OPERATION_IDS[`${method} ${path}`];
        if (id) operation.operationId = id;
      }
    }
  }
  return requestDefaultsAsText(fixNullableRefs(document));
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;

/** The swagger-ui-dist files the reference may load, with their content types. */
const ASSETS = new Map([
  ["swagger-ui.css", "text/css"],
  ["swagger-ui-bundle.js", "text/javascript"],
  ["swagger-ui-standalone-preset.js", "text/javascript"],
  ["favicon-32x32.png", "image/png"],
]);

/**
 * `/openapi.json` and an interactive reference at `/docs`. The reference's assets are served from
 * the swagger-ui-dist package, not a CDN, so it works on a machine with no internet.
 */
export function docsRoutes(app: OpenAPIHono<AppEnv>) {
  let cached: string | undefined;
  const assetDir = () => require("swagger-ui-dist").getAbsoluteFSPath() as string;
  return new Hono<AppEnv>()
    .get("/openapi.json", (c) => {
      cached ??= JSON.stringify(openApiDocument(app, c.get("deps")?.baseUrl));
      return c.body(cached, 200, { "content-type": "application/json" });
    })
    .get("/docs", (c) => c.html(DOCS_HTML, 200, DOCS_HEADERS))
    .get("/docs/assets/:file", (c) => {
      const file = c.req.param("file");
      const type = ASSETS.get(file);
      if (!type) return c.notFound();
      return c.body(readFileSync(join(assetDir(), file)), 200, {
        ...SECURITY_HEADERS,
        "content-type": type,
        "cache-control": "public, max-age=86400",
      });
    });
}

const DOCS_SCRIPT = `
    // validatorUrl "none": never ask validator.swagger.io to check the document (a layout with the validator
    // badge would send it our URL, and fail offline).
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#reference",
      deepLinking: true,
      // Tags start collapsed: swagger-ui 5 stops drawing a list of more than 126 operations (a tag's
      // operations render when it is opened, or when a deep link names one).
      docExpansion: "none",
      // A pasted API key lives only as long as the page: never written to the browser's storage.
      persistAuthorization: false,
      validatorUrl: "none",
    });
  `;

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

/**
 * Only this page's own assets and its one inline script (allowed by its hash) run; nothing may
 * frame it, post a form from it or load from elsewhere. Swagger UI sets inline styles, hence
 * 'unsafe-inline' for styles only.
 */
const DOCS_HEADERS = {
  ...SECURITY_HEADERS,
  "content-security-policy": [
    "default-src 'none'",
    `script-src 'self' 'sha256-${createHash("sha256").update(DOCS_SCRIPT).digest("base64")}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
};

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Tessera API reference</title>
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" />
</head>
<body>
  <div id="reference"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>${DOCS_SCRIPT}</script>
</body>
</html>`;
