/* customers' public entry for other modules: its privacy handler and the per-customer sealing of personal data. */

export * from "./personal-data.js";
export * from "./privacy.js";
