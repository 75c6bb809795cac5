#!/usr/bin/env node
// Inside the workspace (the TypeScript source is here), runs the source through tsx, so a stale
// build never shadows it; a published package ships only dist/ and runs the built CLI.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "..", "src", "cli.ts");
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(here, "..", "dist", "cli.js")).href);
}
