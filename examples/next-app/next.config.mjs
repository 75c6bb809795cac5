/** @type {import("next").NextConfig} */
const config = {
  // @tessera/sdk is a workspace package whose exports point at TypeScript source: Next compiles it.
  transpilePackages: ["@tessera/sdk"],
  webpack(webpackConfig) {
    // That source imports "./gate.js" meaning gate.ts (TypeScript's ESM convention); webpack needs
    // telling. An app using the published SDK (built JavaScript) needs neither of these settings.
    webpackConfig.resolve.extensionAlias = { ".js": [".ts", ".tsx", ".js"], ".mjs": [".mts", ".mjs"] };
    return webpackConfig;
  },
  // The example has no ESLint set-up of its own; the repository's Biome checks it.
  eslint: { ignoreDuringBuilds: true },
};

export default config;
