#!/usr/bin/env node
// `pnpm --filter @tessera/sdk check:package`: builds, packs (publishConfig applied), and checks
// the tarball as a user would get it: publint --strict, are-the-types-wrong, no zod or
// @tessera/core in dist, no node: import on the edge/browser paths, and a consumer smoke test
// that loads every entry point in ESM, CJS and under the edge-light condition, and runs the bin.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(join(tmpdir(), "tessera-sdk-pack-"));
let failures = 0;

function step(name, fn) {
  process.stdout.write(`• ${name} … `);
  try {
    const note = fn();
    console.log(`ok${note ? ` (${note})` : ""}`);
  } catch (error) {
    failures++;
    console.log("FAILED");
    console.error(String(error.stdout ?? ""), String(error.stderr ?? ""), error.stdout ? "" : error.message);
  }
}

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { cwd: pkgDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });
}

const pnpm = spawnSync("pnpm", ["--version"]).status === 0 ? ["pnpm"] : ["npx", "--yes", "pnpm@10"];
const exec = (tool, args) => run(pnpm[0], [...pnpm.slice(1), "exec", tool, ...args]);

try {
  step("build (tsup)", () => exec("tsup", []) && "");
  let tarball;
  step("pack (pnpm)", () => {
    run(pnpm[0], [...pnpm.slice(1), "pack", "--pack-destination", work]);
    tarball = join(
      work,
      readdirSync(work).find((f) => f.endsWith(".tgz")),
    );
    return tarball;
  });
  const unpacked = join(work, "consumer", "node_modules", "@tessera", "sdk");
  mkdirSync(unpacked, { recursive: true });
  run("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"]);

  step("publint --strict", () => exec("publint", ["--strict", "--pack", "false", unpacked]).trim());
  step("are-the-types-wrong", () => {
    exec("attw", [tarball, "--format", "table-flipped"]);
  });

  step("dist carries no zod, no @tessera/core", () => {
    const files = readdirSync(join(unpacked, "dist"));
    for (const file of files) {
      const text = readFileSync(join(unpacked, "dist", file), "utf8");
      if (/(from\s*|require\(|import\()\s*['"](zod|@tessera\/core)['"/]/.test(text))
        throw new Error(`${file} imports zod/@tessera/core`);
    }
    const manifest = JSON.parse(readFileSync(join(unpacked, "package.json"), "utf8"));
    const deps = Object.keys(manifest.dependencies ?? {})
      .sort()
      .join(",");
    if (deps !== "jose,ky") throw new Error(`runtime dependencies are ${deps}, expected jose,ky`);
    return `${files.length} files`;
  });

  step("edge/browser entry points import nothing from node:", () => {
    for (const entry of ["index.web.js", "index.web.cjs", "next.js", "next.cjs"]) {
      for (const file of reachable(join(unpacked, "dist"), entry)) {
        const text = readFileSync(join(unpacked, "dist", file), "utf8");
        if (/['"]node:|require\(['"](crypto|fs|os)['"]\)/.test(text))
          throw new Error(`${file} (from ${entry}) uses node:`);
      }
    }
  });

  step("consumer smoke test (ESM, CJS, edge-light, bin)", () => {
    const modules = join(work, "consumer", "node_modules");
    for (const dep of ["jose", "ky"]) symlinkSync(realpathSync(join(pkgDir, "node_modules", dep)), join(modules, dep));
    const esm = `
      import { createVerifier, Tessera, TesseraPlatform, verifyWebhook } from "@tessera/sdk";
      import { tessera, requireEntitlement } from "@tessera/sdk/express";
      import { withEntitlement, entitlementMiddleware } from "@tessera/sdk/next";
      const v = createVerifier({ jwks: { keys: [] }, tenant: "acme", issuer: "https://t.example", storefront: "any" });
      if (![Tessera, TesseraPlatform, verifyWebhook, tessera, requireEntitlement, withEntitlement, entitlementMiddleware].every((f) => typeof f === "function")) process.exit(3);
      console.log(v.runtime);`;
    const cjs = `const sdk = require("@tessera/sdk"); require("@tessera/sdk/express"); require("@tessera/sdk/next");
      console.log(sdk.createVerifier({ jwks: { keys: [] }, tenant: "acme", issuer: "https://t.example", storefront: "any" }).runtime);`;
    const cwd = join(work, "consumer");
    const out = (args) => run(process.execPath, args, { cwd }).trim();
    const results = [
      out(["--input-type=module", "-e", esm]),
      out(["-e", cjs]),
      out(["--conditions=edge-light", "--input-type=module", "-e", esm]),
    ];
    if (results.join(",") !== "node,node,web") throw new Error(`runtimes were ${results.join(",")}`);
    const help = out([join(unpacked, "bin", "tessera-token.mjs"), "--help"]);
    if (!help.includes("tessera-token inspect")) throw new Error("the bin did not print its usage");
    if (existsSync(join(unpacked, "src"))) throw new Error("src/ was packed");
    return results.join(", ");
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The entry file and every chunk it imports, transitively. */
function reachable(dir, entry, seen = new Set()) {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const text = readFileSync(join(dir, entry), "utf8");
  for (const [, spec] of text.matchAll(/(?:from|import|require\()\s*['"]\.\/([^'"]+)['"]/g)) reachable(dir, spec, seen);
  return seen;
}

console.log(failures ? `${failures} check(s) failed` : "all package checks passed");
process.exit(failures ? 1 : 0);
