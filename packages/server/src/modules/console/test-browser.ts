import { expect } from "vitest";
import type { TestContext } from "../../../test/harness.js";

/* The console's HTTP tests' browser in miniature (console.test.ts, console-pages.test.ts). */

export const ORIGIN = "http://tessera.test";
export const PASSWORD = "correct horse battery staple";

/** Keeps cookies and sends the Origin a browser would. */
export function browser(ctx: TestContext) {
  const jar = new Map<string, string>();
  const request = async (method: string, path: string, form?: Record<string, string>, origin = ORIGIN) => {
    const res = await ctx.app.request(`${ORIGIN}${path}`, {
      method,
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(form ? { "content-type": "application/x-www-form-urlencoded", origin } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = pair!.split("=");
      if (/max-age=0/i.test(line) || value === "") jar.delete(name!);
      else jar.set(name!, value!);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, html: new TextDecoder().decode(bytes), bytes, headers: res.headers };
  };
  const csrf = () => jar.get("tessera_console_csrf") ?? "";
  return { request, csrf, jar };
}

export type Browser = ReturnType<typeof browser>;

/** A browser signed in as `email` (the password every test user gets). */
export async function signIn(ctx: TestContext, email: string): Promise<Browser> {
  const b = browser(ctx);
  await b.request("GET", "/console/login");
  const res = await b.request("POST", "/console/login", { _csrf: b.csrf(), email, password: PASSWORD });
  expect(res.status).toBe(303);
  return b;
}
