import type { Logger } from "pino";
import type { Deps, Scope } from "../context.js";
import type { UserRow } from "../db/types.js";
import type { Services } from "../services.js";

export interface TenantPrincipal {
  kind: "tenant";
  /** The credential: an API key's id, or a signed-in user's session. */
  keyId: string;
  scopes: string[];
  scope: Scope;
  /** Set when a signed-in user (not an API key) acts. */
  user?: { id: string; role: string };
}

export interface UserPrincipal {
  kind: "user";
  keyId: string;
  userId: string;
  user: UserRow;
}

export interface PlatformPrincipal {
  kind: "platform";
  keyId: string;
}

export type Principal = TenantPrincipal | PlatformPrincipal | UserPrincipal;

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
