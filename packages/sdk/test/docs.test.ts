import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// House rule (STYLE.md §10): every public export of the SDK has a JSDoc with an @example.
const ENTRIES = ["index.ts", "index.web.ts", "express.ts", "next.ts"];

describe("public API documentation", () => {
  const files = ENTRIES.map((f) => fileURLToPath(new URL(`../src/${f}`, import.meta.url)));
  const generated = fileURLToPath(new URL("../src/generated/types.ts", import.meta.url));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const exportsOf = (file: string) => {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    expect(module).toBeDefined();
    return checker.getExportsOfModule(module as ts.Symbol);
  };
  const hasExample = (symbol: ts.Symbol) => symbol.getJsDocTags(checker).some((tag) => tag.name === "example");

  it.each(ENTRIES.map((name, i) => [name, files[i] as string]))("%s: every export has an @example", (_name, file) => {
    const exports = exportsOf(file);
    expect(exports.length).toBeGreaterThan(3);
    const missing = exports.filter((symbol) => !hasExample(resolve(symbol))).map((s) => s.getName());
    expect(missing).toEqual([]);
  });

  it.each(["Tessera", "TesseraPlatform"])("every public method of %s and its namespaces has an @example", (name) => {
    const client = exportsOf(files[0] as string).find((s) => s.getName() === name);
    expect(client).toBeDefined();
    const missing: string[] = [];
    let methods = 0;
    const walk = (type: ts.Type, path: string) => {
      for (const member of checker.getPropertiesOfType(type)) {
        const decl = member.valueDeclaration ?? member.declarations?.[0];
        if (!decl || member.getName().startsWith("__#")) continue;
        if (ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
        if (ts.isPrivateIdentifier((decl as ts.NamedDeclaration).name as ts.Node)) continue;
        const memberPath = `${path}.${member.getName()}`;
        if (member.flags & ts.SymbolFlags.Method) {
          methods++;
          if (!hasExample(member)) missing.push(memberPath);
        } else if (member.flags & ts.SymbolFlags.Property) {
          const memberType = checker.getTypeOfSymbolAtLocation(member, decl);
          if ((memberType.getSymbol()?.flags ?? 0) & ts.SymbolFlags.Class) walk(memberType, memberPath);
        }
      }
    };
    walk(checker.getDeclaredTypeOfSymbol(resolve(client as ts.Symbol)), name);
    expect(methods).toBeGreaterThan(name === "Tessera" ? 60 : 4);
    expect(missing).toEqual([]);
  });

  it("every generated API type is exported, as itself, from both main entries", () => {
    const names = exportsOf(generated).map((s) => s.getName());
    expect(names.length).toBeGreaterThan(60);
    for (const file of files.slice(0, 2)) {
      const exported = new Map(exportsOf(file as string).map((s) => [s.getName(), resolve(s)]));
      // A hand-written export of the same name would shadow the generated one.
      const wrong = names.filter((n) => exported.get(n)?.declarations?.[0]?.getSourceFile().fileName !== generated);
      expect(wrong).toEqual([]);
    }
  });
});

describe("docs/sdk.md", () => {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const read = (path: string) => readFileSync(join(root, path), "utf8");
  const guide = read("docs/sdk.md");
  // The option names are read from the interface itself, so a new option without docs fails here.
  const body = /export interface VerifierOptions \{([\s\S]*?)\n\}/.exec(read("packages/sdk/src/options.ts"))?.[1] ?? "";
  const options = [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1] as string);

  it("has a row for every option of createVerifier", () => {
    expect(options).toEqual(expect.arrayContaining(["jwks", "jwksUrl", "issuer", "storefront", "environment"]));
    expect(options.filter((name) => !guide.includes(`| \`${name}\``))).toEqual([]);
  });

  it.each([
    "README.md",
    "packages/sdk/README.md",
    "examples/express-app/server.ts",
    "examples/next-app/lib/tessera.ts",
    "docs/entitlements.md",
  ])("documents every createVerifier option %s uses", (path) => {
    const used = [...read(path).matchAll(/createVerifier\(\{([\s\S]*?)\n\s*\}\)/g)].flatMap((m) =>
      [...(m[1] as string).matchAll(/^\s*(\w+):/gm)].map((k) => k[1] as string),
    );
    expect(used.length).toBeGreaterThan(2);
    expect(used.filter((name) => !options.includes(name))).toEqual([]);
  });
});
