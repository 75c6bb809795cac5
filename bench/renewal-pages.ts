import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { sql } from "kysely";
import { connectDatabase } from "../packages/server/src/db/connect.js";
import { seedDueRenewals } from "../packages/server/test/renewal-seed.js";
import { renewalWorker } from "./lib/renewal-worker.js";

/*
 * Where a renewal's writes go, page by page: BENCH_RENEWALS (5,000) due renewals run as in
 * renewals.ts with checkpoints off, so the write-ahead log keeps every frame the run wrote; each
 * frame is then attributed to the table or index that owns its page (SQLite's dbstat). A commit
 * writes every page it touched in full, so a b-tree that a renewal's transactions touch costs at
 * least a page per transaction: this is the list to read before adding an index or a row to the
 * renewal path. Deterministic, unlike a timing: compare it across commits.
 */

const count = Number(process.env.BENCH_RENEWALS ?? 5_000);
const dir = mkdtempSync(join(tmpdir(), "tessera-bench-pages-"));
const file = join(dir, "renewals.db");

try {
  await seedDueRenewals(`sqlite:${file}`, count);
  const database = connectDatabase(`sqlite:${file}`, { checkpointMs: 0 });
  // Nothing copies the log into the file while it grows: every frame stays countable.
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
  await sql`pragma wal_autocheckpoint = 0`.execute(database.db);
  await renewalWorker(database, { batchSize: 2000 }).drain();
  const wal = readFileSync(`${file}-wal`);

  // WAL format (sqlite.org/fileformat.html): a 32-byte header, then frames of a 24-byte header
  // (page number; database size, non-zero on a commit's last frame) and the page.
  const pageSize = wal.readUInt32BE(8);
  const framesPerPage = new Map<number, number>();
  let frames = 0;
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    const page = wal.readUInt32BE(at);
    framesPerPage.set(page, (framesPerPage.get(page) ?? 0) + 1);
    frames++;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  // Read before the close checkpoints and truncates the log; dbstat sees the pages as of now.
  const reader = new SQLite(file, { readonly: true });
  const owner = new Map(
    reader
      .prepare("select pageno, name from dbstat")
      .raw()
      .all()
      .map((r) => r as [number, string]),
  );
  reader.close();
  await database.close();

  const perTree = new Map<string, number>();
  for (const [page, n] of framesPerPage) {
    const name = owner.get(page) ?? "(free list)";
    perTree.set(name, (perTree.get(name) ?? 0) + n);
  }
  console.log(
    `${count.toLocaleString("en")} renewals: ${(frames / count).toFixed(1)} WAL pages and ${(commits / count).toFixed(2)} commits per renewal`,
  );
  for (const [name, n] of [...perTree].sort((a, b) => b[1] - a[1])) {
    if (n / count >= 0.05) console.log(`${(n / count).toFixed(2).padStart(7)}  ${name}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
