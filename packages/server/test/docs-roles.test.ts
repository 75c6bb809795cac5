import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { roleAllows } from "@tessera/core";
import { describe, expect, it } from "vitest";

/*
 * docs/security.md's permission table is what people read to choose a role: every cell must say
 * what the code decides (ROLE_PERMISSIONS). A row `area:read / write` has one `✓ / –` per role.
 */
const doc = readFileSync(fileURLToPath(new URL("../../../docs/security.md", import.meta.url)), "utf8");

describe("docs/security.md's role table", () => {
  it("says for every role and permission what the code allows", () => {
    const lines = doc.split("\n");
    const header = lines.findIndex((l) => l.startsWith("| permission |"));
    expect(header).toBeGreaterThan(0);
    const roles = lines[header]!.split("|")
      .slice(2, -1)
      .map((c) => c.trim());
    let checked = 0;
    for (const line of lines.slice(header + 2)) {
      if (!line.startsWith("|")) break;
      const [label, ...cells] = line
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());
      const [area, verbs] = label!.split(":");
      const names = verbs!.split("/").map((v) => v.trim());
      cells.forEach((cell, i) => {
        const marks = cell.split("/").map((m) => m.trim());
        names.forEach((verb, j) => {
          const permission = `${area}:${verb}`;
          expect(`${roles[i]} ${permission} ${marks[j]}`).toBe(
            `${roles[i]} ${permission} ${roleAllows(roles[i] as never, permission) ? "✓" : "–"}`,
          );
          checked++;
        });
      });
    }
    expect(checked).toBeGreaterThan(100);
  });
});
