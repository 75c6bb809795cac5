import { defineConfig } from "vitest/config";

const server = ["packages/server/src/**/*.test.ts", "packages/server/test/**/*.test.ts"];
const e2e = ["packages/server/test/e2e/**/*.test.ts", "examples/**/*.test.ts"];

// Inline projects do not inherit the root's test options: each states its own. Generous limits,
// because a shared 2-core machine can be slow; tests assert outcomes, never time.
const limits = { testTimeout: 60_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    reporters: ["default"],
    // Test files share their worker's loaded modules instead of importing the whole server again
    // per file (that import was most of the suite's time: 227 s → 89 s for the SQLite project).
    // Projects still run in workers of their own. Safe because no module keeps test-visible state:
    // every file builds its own app and database (test/harness.ts), nothing is mocked at module
    // level, and a test that changes process.env puts it back. Keep it so. (The pool reads this
    // from the root config only: a project's own `isolate` does not reach it.)
    isolate: false,
    ...limits,
    projects: [
      { test: { name: "core", include: ["packages/core/src/**/*.test.ts"], ...limits } },
      {
        test: { name: "sdk", include: ["packages/sdk/src/**/*.test.ts", "packages/sdk/test/**/*.test.ts"], ...limits },
      },
      {
        test: {
          name: "server:sqlite",
          include: server,
          exclude: e2e,
          env: { TESSERA_TEST_DIALECT: "sqlite" },
          ...limits,
        },
      },
      {
        test: {
          name: "server:postgres",
          include: server,
          exclude: e2e,
          env: { TESSERA_TEST_DIALECT: "postgres" },
          globalSetup: ["packages/server/test/pg-global-setup.ts"],
          ...limits,
        },
      },
      { test: { name: "e2e", include: e2e, testTimeout: 180_000, hookTimeout: 180_000 } },
    ],
  },
});
