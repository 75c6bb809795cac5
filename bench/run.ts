import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/*
 * Runs every benchmark in this folder (each top-level *.ts but this one) one after another, each
 * in a process of its own so that one's warm JIT or open handles cannot colour the next. Names
 * given on the command line pick a subset: `npm run bench -- server`.
 */
const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, "..", "node_modules", "tsx", "dist", "cli.mjs");
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith(".d.ts"))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, "")))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file}`);
  const res = spawnSync(process.execPath, [tsx, join(here, file)], { stdio: "inherit" });
  if (res.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${res.status ?? res.signal})`);
  }
}
if (benches.length === 0) console.error(`no benchmark matches ${wanted.join(", ")}`);
process.exit(failed || benches.length === 0 ? 1 : 0);
