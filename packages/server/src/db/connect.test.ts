import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { dialect } from "../../test/harness.js";
import { loadConfig } from "../config.js";
import { databaseOptions } from "../runtime.js";
import { connectDatabase, DEFAULT_SQLITE_CACHE_MB, DEFAULT_SQLITE_MMAP_MB } from "./connect.js";

/*
 * How a SQLite file is opened: a small page cache and a memory map (connect.ts says why, and
 * docs/architecture.md has the measurements). SQLite only: Postgres has no such settings.
 */
describe.runIf(dialect === "sqlite")("opening a SQLite file", () => {
  const dir = mkdtempSync(join(tmpdir(), "tessera-connect-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function pragmas(name: string, options: Parameters<typeof connectDatabase>[1] = {}) {
    const handle = connectDatabase(`sqlite:${join(dir, `${name}.db`)}`, options);
    try {
      const read = async (pragma: string) =>
        Number(Object.values((await sql.raw(`pragma ${pragma}`).execute(handle.db)).rows[0] as object)[0]);
      return { cacheSize: await read("cache_size"), mmapSize: await read("mmap_size") };
    } finally {
      await handle.close();
    }
  }

  it("keeps the page cache small and reads the file through a memory map by default", async () => {
    expect(DEFAULT_SQLITE_CACHE_MB).toBeLessThanOrEqual(16);
    expect(await pragmas("defaults")).toEqual({
      cacheSize: -DEFAULT_SQLITE_CACHE_MB * 1024,
      mmapSize: DEFAULT_SQLITE_MMAP_MB * 1024 * 1024,
    });
  });

  it("takes both from the configuration, and a map of 0 reads with read() calls only", async () => {
    const config = loadConfig({ TESSERA_SQLITE_CACHE_MB: "64", TESSERA_SQLITE_MMAP_MB: "0" });
    const options = databaseOptions(config, { warn() {} } as never);
    expect(await pragmas("configured", options)).toEqual({ cacheSize: -64 * 1024, mmapSize: 0 });
  });
});
