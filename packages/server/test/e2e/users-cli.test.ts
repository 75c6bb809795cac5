import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { http, type Served, serve, tessera, tesseraJson } from "./cli.js";

/*
 * The first platform admin, made from the CLI, signs in over HTTP to a real `tessera serve` and
 * administers tenants with the access token; an invitation made by the CLI works once.
 * (The users logic is dialect-independent and covered on both databases in-process.)
 */

const dir = mkdtempSync(join(tmpdir(), "tessera-users-"));
const env = { DATABASE_URL: `sqlite:${join(dir, "t.db")}`, TESSERA_ADMIN_PASSWORD: "an admin password, long enough" };
let server: Served | undefined;

afterAll(async () => {
  await server?.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("users from the CLI", () => {
  it("creates a platform admin who signs in and manages tenants with an access token", async () => {
    const admin = tesseraJson<{ id: string; platform_role: string }>(
      ["user", "create-admin", "--email", "Root@Example.com"],
      env,
    );
    expect(admin).toMatchObject({ platform_role: "platform_admin" });
    const short = tessera(["user", "create-admin", "--email", "x@example.com"], {
      ...env,
      TESSERA_ADMIN_PASSWORD: "short",
    });
    expect(short.status).toBe(2);
    expect(short.stderr).toContain("at least 12 characters");

    const invitation = tesseraJson<{ token: string }>(
      ["user", "invite-admin", "--email", "ops@example.com", "--role", "platform_support"],
      env,
    );
    server = await serve(["--no-demo"], env);
    const anon = http(server.url);
    const login = await anon("POST", "/v1/auth/login", {
      email: "root@example.com",
      password: env.TESSERA_ADMIN_PASSWORD,
    });
    expect(login.status).toBe(200);
    const root = http(server.url, login.body.access_token);
    const created = await root("POST", "/v1/tenants", { slug: "acme", name: "Acme" });
    expect(created.status).toBe(201);
    expect((await root("GET", "/v1/tenants")).body.data.map((t: { slug: string }) => t.slug)).toContain("acme");

    const accept = { token: invitation.token, password: "support password, long enough" };
    const support = await anon("POST", "/v1/auth/invitations/accept", accept);
    expect(support.body.user.platform_role).toBe("platform_support");
    expect((await anon("POST", "/v1/auth/invitations/accept", accept)).status).toBe(404);
    // Platform support reads any tenant but changes nothing.
    const asSupport = http(server.url, support.body.access_token, "acme");
    expect((await asSupport("GET", "/v1/customers")).status).toBe(200);
    expect((await asSupport("POST", "/v1/customers", { storefront: "web", external_id: "x" })).status).toBe(403);
  });
});
