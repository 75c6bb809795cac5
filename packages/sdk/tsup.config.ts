import { defineConfig } from "tsup";

// The library: one bundle per entry point, ESM + CJS + types. `index` is the Node build
// (node:crypto), `index.web` the edge/browser build (jose); package.json's conditional exports
// choose between them. Nothing of @tessera/core but types may reach dist: see check-package.mjs.
export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      "index.web": "src/index.web.ts",
      express: "src/express.ts",
      next: "src/next.ts",
    },
    format: ["esm", "cjs"],
    platform: "neutral",
    target: "es2022",
    dts: true,
    clean: true,
    treeshake: true,
    external: ["express", "next", "next/headers"],
  },
  {
    entry: { cli: "src/cli/bin.ts" },
    format: ["esm"],
    platform: "node",
    target: "node20",
    clean: false,
  },
]);
