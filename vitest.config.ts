import { defineConfig } from "vitest/config";

const server = ["packages/server/src/**/*.test.ts", "packages/server/test/**/*.test.ts"];
const e2e = ["packages/server/test/e2e/**/*.test.ts", "examples/**/*.test.ts"];

export default defineConfig({
  test: {
    reporters: ["default"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { test: { name: "core", include: ["packages/core/src/**/*.test.ts"] } },
      { test: { name: "sdk", include: ["packages/sdk/src/**/*.test.ts", "packages/sdk/test/**/*.test.ts"] } },
      {
        test: { name: "server:sqlite", include: server, exclude: e2e, env: { TESSERA_TEST_DIALECT: "sqlite" } },
      },
      {
        test: {
          name: "server:postgres",
          include: server,
          exclude: e2e,
          env: { TESSERA_TEST_DIALECT: "postgres" },
          globalSetup: ["packages/server/test/pg-global-setup.ts"],
        },
      },
      { test: { name: "e2e", include: e2e, testTimeout: 120_000, hookTimeout: 120_000 } },
    ],
  },
});
