export * from "./errors.js";
export * from "./ids.js";
export * from "./schemas/api-keys.js";
export * from "./schemas/catalog.js";
export * from "./schemas/common.js";
export * from "./schemas/customers.js";
export * from "./schemas/storefronts.js";
export * from "./schemas/tenancy.js";
