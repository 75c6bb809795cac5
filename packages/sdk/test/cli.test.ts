import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relative } from "../src/cli/format.js";
import { claimsFor, ISSUER, makeKey, STOREFRONT_ID, sign, type TestKey } from "./support/tokens.js";

// Tokens are made for a fixed instant and the CLI is told to judge them then (--at), so what it
// prints does not depend on how long a slow machine takes between signing and running.
const T = 1_900_000_000;
const AT = ["--at", new Date(T * 1000).toISOString()];
const nowSeconds = () => T;

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "tessera-token.mjs");

/** Runs the real bin as a child process (async, so this process can serve its JWKS requests). */
function cli(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

// Each case starts a node process that compiles the CLI's source with tsx: seconds on a busy machine.
describe("tessera-token bin", { timeout: 60_000 }, () => {
  let key: TestKey;
  let dir: string;
  let jwksFile: string;
  let token: string;
  let server: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    key = await makeKey("EdDSA");
    dir = mkdtempSync(join(tmpdir(), "tessera-cli-"));
    jwksFile = join(dir, "jwks.json");
    writeFileSync(jwksFile, JSON.stringify({ keys: [key.jwk] }));
    token = await sign(key, claimsFor(nowSeconds()));
    server = createServer((_req, res) => res.end(JSON.stringify({ keys: [key.jwk] })));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("inspect prints header, claims, entitlements and the time left", async () => {
    const { code, stdout } = await cli(["inspect", token, ...AT]);
    expect(code).toBe(0);
    expect(stdout).toContain("tessera-ent+jwt");
    expect(stdout).toMatch(/Status: expires in 15 minutes/);
    expect(stdout).toMatch(/support\s+tier\s+priority \(rank 1 of basic < priority < vip\)/);
    expect(stdout).toMatch(/api-calls\s+quota\s+9988 of 10000 left \(12 used\) per month/);
    expect(stdout).toMatch(/courses\s+content\s+c1, c2/);
    expect(stdout).toMatch(/sub_01JD0000000000000000000000\s+pro\s+active/);
  });

  it("inspect says how long ago an expired token expired, reads stdin, and has --json", async () => {
    const old = await sign(key, claimsFor(nowSeconds() - 7200));
    const { code, stdout } = await cli(["inspect", "-", ...AT], `${old}\n`);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Status: EXPIRED 1 hour ago/);
    const json = await cli(["inspect", token, "--json"]);
    expect(JSON.parse(json.stdout).payload.tn_slug).toBe("acme");
  });

  it("verify accepts a valid token against a JWKS file and a JWKS URL", async () => {
    const args = ["--tenant", "acme", "--storefront", STOREFRONT_ID, "--issuer", ISSUER, "--environment", "production"];
    const fromFile = await cli(["verify", token, "--jwks", jwksFile, ...args, ...AT]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/^VALID/);
    expect(fromFile.stdout).not.toContain("Not checked");
    const fromUrl = await cli(["verify", token, "--jwks", jwksUrl, ...AT]);
    expect(fromUrl.code).toBe(0);
    expect(fromUrl.stdout).toContain("Not checked (pass the flag to check): tenant, storefront, issuer, environment");
  });

  it("verify exits 1 with the error code and reason for an invalid token", async () => {
    const wrongTenant = await cli(["verify", token, "--jwks", jwksFile, "--tenant", "globex", ...AT]);
    expect(wrongTenant.code).toBe(1);
    expect(wrongTenant.stderr).toMatch(/^INVALID TOKEN_TENANT_MISMATCH: Issued for tenant acme, expected globex/);
    const expired = await cli(["verify", await sign(key, claimsFor(nowSeconds() - 7200)), "--jwks", jwksFile, ...AT]);
    expect(expired).toMatchObject({ code: 1 });
    expect(expired.stderr).toContain("TOKEN_EXPIRED");
    const other = await makeKey("ES256");
    const unknown = await cli(["verify", await sign(other, claimsFor(nowSeconds())), "--jwks", jwksFile, ...AT]);
    expect(unknown.stderr).toContain("TOKEN_KID_UNKNOWN");
  });

  it("runs from the repository root with the command docs/sdk.md gives", async () => {
    const root = join(dirname(BIN), "..", "..", "..");
    const command = "node packages/sdk/bin/tessera-token.mjs";
    expect(readFileSync(join(root, "docs", "sdk.md"), "utf8")).toContain(`${command} inspect eyJ…`);
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [command.split(" ")[1] as string, "inspect", token, ...AT], { cwd: root });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Status: expires in 15 minutes/);
  });

  it("explains usage mistakes with exit code 2", async () => {
    expect((await cli([])).code).toBe(2);
    const noJwks = await cli(["verify", token]);
    expect(noJwks.code).toBe(2);
    expect(noJwks.stderr).toContain("--jwks");
    expect((await cli(["inspect", token, "--at", "yesterday"])).code).toBe(2);
    const garbage = await cli(["inspect", "not-a-token"]);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toContain("TOKEN_MALFORMED");
  });
});

describe("relative time", () => {
  it.each([
    [90, "in 1 minute"],
    [-7200, "2 hours ago"],
    [3 * 86_400 + 5, "in 3 days"],
    [0, "now"],
    [-1, "1 second ago"],
  ])("%i seconds reads %s", (delta, text) => {
    expect(relative(1_000_000 + delta, 1_000_000)).toBe(text);
  });
});
