import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

/*
 * Module boundaries as `npm run lint` checks them (.dependency-cruiser.cjs): the real tree has no
 * crossing and no cycle, and the rules do catch one (a fixture tree with a deliberate crossing and a
 * deliberate cycle), so a rule that silently stopped matching would fail here too. The check reads
 * source files only: it runs once, in the SQLite project (the Postgres run would repeat it).
 */

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
// A root devDependency whose `exports` hide its bin: reached by path.
const cruiser = join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
const config = join(root, ".dependency-cruiser.cjs");

async function cruise(cwd: string, target: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [cruiser, target, "--config", config, "--output-type", "err"], {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

const sqliteOnly = process.env.TESSERA_TEST_DIALECT === "postgres" ? describe.skip : describe;

sqliteOnly("module boundaries", () => {
  const fixture = mkdtempSync(join(tmpdir(), "tessera-boundaries-"));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it("the tree has no module crossing and no cycle", async () => {
    const result = await cruise(root, "packages");
    expect(result.output).not.toMatch(/error /);
    expect(result.code).toBe(0);
  });

  it("the rules catch a crossing into another module's internals and a cycle between modules", async () => {
    const modules = join(fixture, "packages/server/src/modules");
    const file = (path: string, text: string) => {
      mkdirSync(dirname(join(modules, path)), { recursive: true });
      writeFileSync(join(modules, path), text);
    };
    file("alpha/service.ts", 'import { beta } from "../beta/service.js";\nexport const alpha = () => beta();\n');
    file("alpha/jobs.ts", 'import { rows } from "../beta/repo.js";\nexport const job = () => rows();\n');
    file("beta/service.ts", 'import { alpha } from "../alpha/service.js";\nexport const beta = () => alpha;\n');
    file("beta/repo.ts", "export const rows = () => [];\n");
    writeFileSync(join(fixture, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext" } }));
    const result = await cruise(fixture, "packages");
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/module-internals: packages\/server\/src\/modules\/alpha\/jobs\.ts/);
    expect(result.output).toMatch(/module-cycle: packages\/server\/src\/modules\/(alpha|beta)\/service\.ts/);
  });
});
