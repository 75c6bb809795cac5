import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/*
 * Runs the official EN 16931 UBL schematron (CEN/TC 434, compiled to XSLT by the European
 * Commission's eInvoicing-EN16931 project; en16931-ubl/ with its licence) with Saxon-HE from
 * Debian (libsaxonhe-java; .ci/run installs it). One Java run validates a whole folder.
 */
const XSLT = fileURLToPath(new URL("./en16931-ubl/EN16931-UBL-validation.xslt", import.meta.url));
const SAXON = process.env.TESSERA_SAXON_JAR ?? "/usr/share/java/Saxon-HE.jar";

export function saxonAvailable(): boolean {
  return existsSync(SAXON);
}

export interface SchematronResult {
  fatal: string[];
  warnings: string[];
}

function failedAsserts(svrl: string, flag: string): string[] {
  const out: string[] = [];
  for (const m of svrl.matchAll(/<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g)) {
    const attrs = m[1]!;
    if (!new RegExp(`flag="${flag}"`).test(attrs)) continue;
    const id = /id="([^"]+)"/.exec(attrs)?.[1] ?? "?";
    const text = /<svrl:text>([\s\S]*?)<\/svrl:text>/.exec(m[2]!)?.[1]?.trim() ?? "";
    out.push(`${id}: ${text}`);
  }
  return out;
}

/** Validates named UBL documents; returns the failed assertions of each. */
export function validateEn16931(documents: Record<string, string>): Record<string, SchematronResult> {
  const dir = mkdtempSync(join(tmpdir(), "en16931-"));
  try {
    const inDir = join(dir, "in");
    const outDir = join(dir, "out");
    mkdirSync(inDir);
    mkdirSync(outDir);
    for (const [name, xml] of Object.entries(documents)) writeFileSync(join(inDir, `${name}.xml`), xml);
    execFileSync("java", ["-cp", SAXON, "net.sf.saxon.Transform", `-s:${inDir}`, `-xsl:${XSLT}`, `-o:${outDir}`], {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 120_000,
    });
    const results: Record<string, SchematronResult> = {};
    for (const file of readdirSync(outDir)) {
      const svrl = readFileSync(join(outDir, file), "utf8");
      results[file.replace(/\.xml$/, "")] = {
        fatal: failedAsserts(svrl, "fatal"),
        warnings: failedAsserts(svrl, "warning"),
      };
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of a PDF, as poppler's pdftotext reads it. */
export function pdfText(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "pdf-"));
  try {
    const file = join(dir, "doc.pdf");
    writeFileSync(file, bytes);
    return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8", timeout: 30_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
