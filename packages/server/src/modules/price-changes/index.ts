/* price-changes' public entry for other modules: its privacy handler, which the privacy module registers. */
export * from "./privacy.js";
