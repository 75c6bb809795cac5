import type { Context, Hono } from "hono";
import type { AppEnv } from "../../http/env.js";
import type { ConsoleEnv } from "./session.js";

/*
 * The console acts through the public API, in process, with the signed-in user's own session
 * token: every read and every action passes the same route, the same permission check, the same
 * validation and the same audit trail as a script calling the API would. Nothing is checked twice
 * in two ways.
 */

export interface ApiAnswer<T = unknown> {
  status: number;
  ok: boolean;
  body: T;
}

export type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<ApiAnswer<T>>;

/** The API's raw answer to a GET (a PDF or XML document the console hands on as a download). */
export type RawApi = (path: string) => Promise<Response>;

export function apiFor(app: Hono<AppEnv>, c: Context<ConsoleEnv>, tenant: string, environment: string): Api {
  const raw = rawApiFor(app, c, tenant, environment);
  return async (method, path, body) => {
    const res = await raw(path, method, body);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, ok: res.status >= 200 && res.status < 300, body: parsed as never };
  };
}

export function rawApiFor(app: Hono<AppEnv>, c: Context<ConsoleEnv>, tenant: string, environment: string) {
  return async (path: string, method = "GET", body?: unknown): Promise<Response> =>
    app.request(
      path,
      {
        method,
        headers: {
          authorization: `Bearer ${c.get("viewer").accessToken}`,
          "x-tn": tenant,
          "x-env": environment,
          // The API request carries the console request's id: one id in the logs for both.
          "x-request-id": c.get("requestId"),
          "user-agent": c.req.header("user-agent") ?? "tessera-console",
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      },
      c.env,
    );
}
