import { execFile } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * The SDK as an outsider gets it: `npm pack` (npm, which ignores publishConfig.exports: the
 * prepack script swaps the manifest), `npm install` of the tarball into a project outside the
 * workspace (jose and ky from the registry or npm's cache), then ESM import, CJS require and a
 * TypeScript consumer, each verifying a real token.
 */

const run = promisify(execFile);
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");

const ISSUER = "https://tessera.example.com";
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

// Each step runs npm or tsc in a child process: minutes on a busy machine. A limit, not a timing check.
describe("the packed SDK in a project outside the workspace", { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "tessera-sdk-consumer-"));
  const project = join(work, "app");
  let manifest: Record<string, unknown>;

  beforeAll(async () => {
    // Built here, then packed from a staged copy, so a run cut short never leaves the workspace's
    // manifest swapped. The copy runs the same prepack/postpack scripts as a pack in the checkout.
    const tsup = createRequire(import.meta.url).resolve("tsup/package.json");
    const tsupBin = join(dirname(tsup), JSON.parse(readFileSync(tsup, "utf8")).bin.tsup);
    await run(process.execPath, [tsupBin], { cwd: pkgDir, maxBuffer: 16 << 20 });
    const stage = join(work, "sdk");
    for (const entry of ["package.json", "README.md", "LICENSE", "bin", "dist", "scripts"]) {
      if (existsSync(join(pkgDir, entry))) cpSync(join(pkgDir, entry), join(stage, entry), { recursive: true });
    }
    await run(npm, ["pack", "--pack-destination", work, "--silent"], { cwd: stage, maxBuffer: 16 << 20 });
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new Error("npm pack made no tarball");
    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, dependencies: { "@tessera/sdk": `file:../${tarball}` } }),
    );
    await run(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
      cwd: project,
      maxBuffer: 16 << 20,
    });
    manifest = JSON.parse(readFileSync(join(project, "node_modules/@tessera/sdk/package.json"), "utf8"));

    // A key set and a token, made here with node:crypto alone.
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const jwk = { ...publicKey.export({ format: "jwk" }), kid: "sk_1", alg: "EdDSA", use: "sig" };
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: ISSUER,
      sub: "cus_1",
      aud: "sf_1",
      tn: "ten_1",
      tn_slug: "acme",
      env: "production",
      iat: now,
      nbf: now,
      exp: now + 900,
      jti: "j1",
      ver: 1,
      ent: { "export-pdf": true },
      subs: [],
    };
    const input = `${b64({ alg: "EdDSA", typ: "tessera-ent+jwt", kid: "sk_1" })}.${b64(claims)}`;
    const token = `${input}.${sign(null, Buffer.from(input), privateKey).toString("base64url")}`;
    writeFileSync(join(project, "jwks.json"), JSON.stringify({ keys: [jwk] }));
    writeFileSync(join(project, "token.txt"), token);
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const options = `{ jwks: "./jwks.json", issuer: "${ISSUER}", tenant: "acme", storefront: "sf_1", environment: "production" }`;

  it("ships dist, not src, and points every entry point at dist", () => {
    expect(JSON.stringify(manifest.exports)).not.toContain("src/");
    expect(manifest).toMatchObject({ main: "./dist/index.cjs", types: "./dist/index.d.ts" });
    expect(manifest.publishConfig).toBeUndefined();
    expect(JSON.stringify(manifest)).not.toContain("workspace:");
    const shipped = readdirSync(join(project, "node_modules/@tessera/sdk"));
    expect(shipped).toEqual(expect.arrayContaining(["bin", "dist", "package.json"]));
    expect(shipped).not.toContain("src");
  });

  it("imports as ESM and verifies a token", async () => {
    const script = `import { readFileSync } from "node:fs";
      import { createVerifier } from "@tessera/sdk";
      const ent = await createVerifier(${options}).verify(readFileSync("token.txt", "utf8"));
      console.log(ent.customerId, ent.has("export-pdf"));`;
    writeFileSync(join(project, "esm.mjs"), script);
    expect((await run(process.execPath, ["esm.mjs"], { cwd: project })).stdout.trim()).toBe("cus_1 true");
  });

  it("requires as CommonJS and verifies a token", async () => {
    const script = `const { readFileSync } = require("node:fs");
      const { createVerifier } = require("@tessera/sdk");
      require("@tessera/sdk/express");
      createVerifier(${options}).verify(readFileSync("token.txt", "utf8"))
        .then((ent) => console.log(ent.customerId, ent.has("export-pdf")));`;
    writeFileSync(join(project, "cjs.cjs"), script);
    expect((await run(process.execPath, ["cjs.cjs"], { cwd: project })).stdout.trim()).toBe("cus_1 true");
  });

  it("type-checks a TypeScript consumer", async () => {
    writeFileSync(
      join(project, "consumer.ts"),
      `import { createVerifier, type Entitlements, type VerifierOptions, Tessera } from "@tessera/sdk";
      import { requireEntitlement } from "@tessera/sdk/express";
      const options: VerifierOptions = ${options};
      export const check = async (token: string): Promise<boolean> => {
        const ent: Entitlements = await createVerifier(options).verify(token);
        return ent.has("export-pdf") && typeof requireEntitlement === "function";
      };
      export const client = new Tessera({ apiKey: "tsk_x", tenant: "acme", baseUrl: "${ISSUER}" });
      // @ts-expect-error issuer is required
      createVerifier({ jwks: "./jwks.json", tenant: "acme", storefront: "sf_1" });
      `,
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2022", "dom"],
          types: [],
          skipLibCheck: true,
        },
        files: ["consumer.ts"],
      }),
    );
    const result = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  });
});
