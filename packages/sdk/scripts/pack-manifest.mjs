#!/usr/bin/env node
// npm pack/publish lifecycle: `prepack` builds dist and swaps in the published manifest, `postpack`
// puts the workspace one back. npm ignores publishConfig.exports (pnpm applies it), so without
// this a tarball made by `npm pack` would point its entry points at src/, which it does not ship.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = join(dir, "package.json");
// Outside "files", so never packed.
const saved = join(dir, ".package.workspace.json");

/** The manifest as published: publishConfig's fields in place, nothing that names the workspace. */
export function publishedManifest(pkg) {
  const { publishConfig = {}, devDependencies: _dev, ...rest } = pkg;
  return { ...rest, ...publishConfig };
}

const step = process.argv[2];
if (step === "prepack") {
  if (existsSync(saved)) throw new Error(`${saved} exists: a previous pack did not finish; restore it first`);
  // In a checkout, build first; a staged copy that holds only dist (the consumer test) is packed as is.
  if (existsSync(join(dir, "src"))) {
    const tsup = createRequire(join(dir, "package.json")).resolve("tsup/package.json");
    const bin = JSON.parse(readFileSync(tsup, "utf8")).bin.tsup;
    execFileSync(process.execPath, [join(dirname(tsup), bin)], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  }
  const text = readFileSync(manifest, "utf8");
  writeFileSync(saved, text);
  writeFileSync(manifest, `${JSON.stringify(publishedManifest(JSON.parse(text)), null, 2)}\n`);
} else if (step === "postpack") {
  if (existsSync(saved)) renameSync(saved, manifest);
} else if (step !== undefined) {
  throw new Error(`usage: pack-manifest.mjs prepack|postpack (got ${step})`);
}
