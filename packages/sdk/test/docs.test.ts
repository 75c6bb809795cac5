import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// House rule (STYLE.md §10): every public export of the SDK has a JSDoc with an @example.
const ENTRIES = ["index.ts", "index.web.ts", "express.ts", "next.ts"];

describe("public API documentation", () => {
  const files = ENTRIES.map((f) => fileURLToPath(new URL(`../src/${f}`, import.meta.url)));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();

  it.each(ENTRIES.map((name, i) => [name, files[i] as string]))("%s: every export has an @example", (_name, file) => {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    expect(module).toBeDefined();
    const exports = checker.getExportsOfModule(module as ts.Symbol);
    expect(exports.length).toBeGreaterThan(3);
    const missing = exports
      .filter((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        return !target.getJsDocTags(checker).some((tag) => tag.name === "example");
      })
      .map((s) => s.getName());
    expect(missing).toEqual([]);
  });
});
