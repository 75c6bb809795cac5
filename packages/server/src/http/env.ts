import type { Logger } from "pino";
import type { Deps, Scope } from "../context.js";
import type { Services } from "../services.js";

export interface TenantPrincipal {
  kind: "tenant";
  keyId: string;
  scopes: string[];
  scope: Scope;
}

export interface PlatformPrincipal {
  kind: "platform";
  keyId: string;
}

export type Principal = TenantPrincipal | PlatformPrincipal;

/** Hono's environment type for every route of the app. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    deps: Deps;
    services: Services;
    principal: Principal;
    /** Set when the path itself must not be logged (it held a card number). */
    redactPath?: boolean;
  };
}
