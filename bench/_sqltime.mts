import { createRequire } from "node:module";
const require = createRequire(import.meta.url.replace("/bench/", "/packages/server/"));
const SQLite = require("better-sqlite3");
const proto = Object.getPrototypeOf(new SQLite(":memory:").prepare("select 1"));
const all = proto.all;
const stats = new Map<string, { n: number; t: number }>();
proto.all = function (...args: unknown[]) {
  const t = performance.now();
  const r = all.apply(this, args);
  const d = performance.now() - t;
  const k = this.source.slice(0, 90);
  const s = stats.get(k) ?? { n: 0, t: 0 };
  s.n++; s.t += d; stats.set(k, s);
  return r;
};
process.on("exit", () => {
  for (const [k, s] of stats) if (s.n > 1000) console.error(`${(s.t / s.n * 1000).toFixed(2)} µs × ${s.n}  ${k}`);
});
