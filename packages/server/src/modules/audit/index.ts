/* audit's public entry for other modules: its privacy handler, which the privacy module registers. */
export * from "./privacy.js";
export { PLATFORM_CHAIN } from "./service.js";
