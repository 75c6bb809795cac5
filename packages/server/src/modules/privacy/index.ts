/* privacy's public entry: what a module's privacy handler is built from (handler shape, row helpers, scrubbing). */

export * from "./handler.js";
export * from "./rows.js";
export * from "./scrub.js";
