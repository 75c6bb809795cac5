/* campaigns's public entry for other modules: its privacy handler (registered by privacy) and its events consumer. */
export * from "./privacy.js";
export * from "./triggers.js";
