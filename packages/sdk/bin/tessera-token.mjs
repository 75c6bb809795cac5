#!/usr/bin/env node
// Inside the workspace (src/ present) runs the TypeScript source through tsx, so it never runs a
// stale build; when published (only dist/ ships) runs the built CLI.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "..", "src", "cli", "bin.ts");
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(here, "..", "dist", "cli.js")).href);
}
