import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Entitlements } from "./entitlements.js";
import { authenticate, type Denial, decide, PROBLEM_CONTENT_TYPE, type Requirement, type TokenSource } from "./gate.js";

export type { Denial, ProblemBody, Requirement, TokenSource } from "./gate.js";

declare global {
  namespace Express {
    interface Request {
      /** What the request's entitlement token grants; undefined when it carried none. Set by `tessera()`. */
      entitlements?: Entitlements;
    }
  }
}

// Marks requests that went through tessera(), so a guard mounted without it fails loudly
// instead of refusing everybody with "token missing".
const AUTHENTICATED = Symbol.for("tessera.sdk.authenticated");

/**
 * Express middleware: verifies the request's entitlement token (`Authorization: Bearer`, a
 * named header or a cookie) and sets `req.entitlements`. No token → undefined and the request
 * goes on; an invalid token → 401 `application/problem+json` with the token's error code.
 *
 * @example
 * import express from "express";
 * import { createVerifier } from "@tessera/sdk";
 * import { requireEntitlement, tessera } from "@tessera/sdk/express";
 *
 * const app = express();
 * app.use(tessera({ verifier: createVerifier({ jwks: "./jwks.json", tenant: "acme" }), cookie: "tessera_ent" }));
 * app.get("/reports.pdf", requireEntitlement("export-pdf"), (req, res) => res.send("…"));
 */
export function tessera(options: TokenSource): RequestHandler {
  return (req, res, next) => {
    authenticate((name) => req.get(name), options).then(({ entitlements, denial }) => {
      if (denial) return send(res, denial);
      req.entitlements = entitlements;
      (req as unknown as Record<symbol, boolean>)[AUTHENTICATED] = true;
      next();
    }, next);
  };
}

/**
 * Express guard: lets the request through only when its token grants `key` (and, optionally,
 * a tier level, a content id or remaining quota). Answers 401 without a token and 403
 * `ENTITLEMENT_REQUIRED` without the entitlement. Mount `tessera()` before it.
 *
 * @example
 * app.get("/support/priority", requireEntitlement("support", { level: "priority" }), handler);
 * app.get("/courses/:id", (req, res, next) => requireEntitlement("courses", { content: req.params.id })(req, res, next));
 * app.post("/api/render", requireEntitlement("api-calls", { quota: 1 }), handler);
 */
export function requireEntitlement(key: string, requirement: Requirement = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!(req as unknown as Record<symbol, boolean>)[AUTHENTICATED]) {
      next(new Error("requireEntitlement() needs the tessera() middleware mounted before it"));
      return;
    }
    const denial = decide(req.entitlements, key, requirement);
    if (denial) send(res, denial);
    else next();
  };
}

function send(res: Response, denial: Denial): void {
  res.status(denial.status).set(denial.headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(denial.body));
}
