#!/usr/bin/env node
// The README's one-command entry points. Needs only Node ≥ 20 and npm: pnpm is used from PATH,
// or fetched once through npx. Usage: node scripts/dev.mjs start|test|bench [args…]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [command = "start", ...args] = process.argv.slice(2);

function run(cmd, cmdArgs, options = {}) {
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit", ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function pnpm() {
  const probe = spawnSync("pnpm", ["--version"], { stdio: "ignore" });
  return probe.status === 0 ? ["pnpm"] : ["npx", "--yes", "pnpm@10"];
}

function install() {
  const [bin, ...pre] = pnpm();
  const frozen = process.env.CI ? ["--frozen-lockfile"] : [];
  try {
    return run(bin, [...pre, "install", "--prefer-offline", ...frozen], { stdio: ["ignore", "inherit", "inherit"] });
  } catch (error) {
    console.error(`cannot run pnpm: ${error.message}`);
    return 1;
  }
}

const installed = install();
if (installed !== 0) {
  // CI reads the closing line: a broken install is a failed run, not a run with no tests.
  if (command === "test") console.log("0 passed, 1 failed");
  process.exit(installed);
}

if (command === "start") {
  process.exit(run(process.execPath, [join(root, "packages/server/bin/tessera.mjs"), "serve", ...args]));
}

if (command === "test") {
  // Vitest's JSON report gives exact counts for the closing `N passed, N failed` line.
  const reportDir = join(root, ".tmp");
  mkdirSync(reportDir, { recursive: true });
  const report = join(reportDir, "vitest-report.json");
  rmSync(report, { force: true });
  const vitest = join(root, "node_modules/vitest/vitest.mjs");
  let status = 1;
  try {
    status = run(process.execPath, [
      vitest,
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
      ...args,
    ]);
  } catch (error) {
    console.error(`cannot run vitest: ${error.message}`);
  }
  // No report means vitest died before the end (a crashed global setup, say): that is one failure.
  let summary = "0 passed, 1 failed";
  let r;
  try {
    r = existsSync(report) ? JSON.parse(readFileSync(report, "utf8")) : undefined;
  } catch (error) {
    console.error(`unreadable test report: ${error.message}`);
  }
  if (r) {
    // A file that fails to load has no failed test of its own; count it as one failure.
    const brokenFiles = r.testResults.filter(
      (s) => s.status === "failed" && !s.assertionResults.some((a) => a.status === "failed"),
    ).length;
    const failed = Math.max(r.numFailedTests + brokenFiles, status === 0 ? 0 : 1);
    const skipped = r.numPendingTests + r.numTodoTests;
    summary = `${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
  }
  console.log(summary);
  process.exit(status);
}

if (command === "bench") {
  process.exit(
    run(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "bench/run.ts"), ...args]),
  );
}

console.error(`unknown command ${command}: use start, test or bench`);
process.exit(2);
