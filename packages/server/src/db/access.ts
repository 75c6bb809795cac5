import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Whose rows the current code may touch, carried through async calls: the request pipeline sets a
 * tenant scope after authentication, a job runs in its job's scope, and the few pieces of work that
 * legitimately span tenants say so with `withSystemAccess`. On Postgres the connection wrapper
 * (`db/rls.ts`) turns it into the settings the row-level-security policies read; SQLite has no
 * row-level security, so there the scoped query helper (`db/scope.ts`) is the only fence.
 */
export type Access =
  | { kind: "tenant"; tenantId: string; environmentId: string }
  | { kind: "system" }
  /** Migrations and set-up: the connecting role itself, not the fenced one. Only db/ uses it. */
  | { kind: "owner" }
  | { kind: "none" };

const storage = new AsyncLocalStorage<Access>();

/*
 * Until a Postgres connection with row-level security exists in this process there is nobody to read
 * the access, so it is not carried: entering an AsyncLocalStorage turns on Node's promise hooks for
 * the whole process, a cost SQLite need not pay.
 */
let carried = false;
export function carryAccess(): void {
  carried = true;
}

export const NO_ACCESS: Access = { kind: "none" };

export function currentAccess(): Access | undefined {
  return storage.getStore();
}

/** Runs `fn` with one tenant + environment's rows visible, and no other's. */
export function withTenantAccess<T>(scope: { tenantId: string; environmentId: string }, fn: () => T): T {
  if (!carried) return fn();
  return storage.run({ kind: "tenant", tenantId: scope.tenantId, environmentId: scope.environmentId }, fn);
}

/**
 * Runs `fn` with every tenant's rows visible. Kept to work that cannot know its tenant beforehand
 * or spans tenants (the list is in docs/architecture.md); grep for it when auditing.
 */
export function withSystemAccess<T>(fn: () => T): T {
  return carried ? storage.run({ kind: "system" }, fn) : fn();
}

/** Migrations only: as the connecting role (DDL needs the table owner). */
export function withOwnerAccess<T>(fn: () => T): T {
  return carried ? storage.run({ kind: "owner" }, fn) : fn();
}
