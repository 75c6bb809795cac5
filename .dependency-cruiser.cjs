/**
 * Module boundaries (DESIGN §2, STYLE rule 13), checked by `npm run lint`:
 *  - a server module uses another only through its public entry (service.ts or index.ts);
 *  - no import cycle between modules (type-only imports excepted: they vanish at run time);
 *  - the core package does no I/O and never imports the server or the SDK.
 */
const MODULES = "^packages/server/src/modules/([^/]+)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "module-internals",
      severity: "error",
      comment: "Reach another module through its service.ts or index.ts, never its repo, store or other files.",
      // Tests and the local vendor fakes they start (fake-*.ts, test-*.ts) may reach across.
      from: { path: MODULES, pathNot: "(\\.test\\.ts|/fake-[^/]+\\.ts|/test-[^/]+\\.ts)$" },
      to: {
        path: "^packages/server/src/modules/[^/]+/",
        pathNot: ["^packages/server/src/modules/$1/", "^packages/server/src/modules/[^/]+/(service|index)\\.ts$"],
      },
    },
    {
      name: "module-cycle",
      severity: "error",
      comment: "Modules depend on each other in one direction; pass a callback in through services.ts instead.",
      from: { path: MODULES, pathNot: "\\.test\\.ts$" },
      to: { circular: true, dependencyTypesNot: ["type-only"], viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "core-is-pure",
      severity: "error",
      comment: "@tessera/core is the contract: no server, no SDK, no node I/O.",
      from: { path: "^packages/core/src/" },
      to: { path: ["^packages/(server|sdk)/", "^(fs|net|http|https|child_process)$"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["node_modules", "dist", "\\.tmp"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
