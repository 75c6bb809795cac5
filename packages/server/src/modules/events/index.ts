/* events' public entry for other modules: consumers of committed events, and its privacy handler. */

export * from "./consumers.js";
export * from "./privacy.js";
