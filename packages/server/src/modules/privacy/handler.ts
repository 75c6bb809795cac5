import type { ScopeIds } from "../../db/scope.js";
import type { Database, Db } from "../../db/types.js";

/** Who an export or erasure is about, gathered from every handler before any of them acts. */
export interface PrivacySubject {
  customerId: string;
  /** Ids of objects about the customer (subscriptions, payments, grants, channel links…). */
  objectIds: string[];
  /**
   * The customer's personal values as stored (email, name, external id, metadata values), so
   * handlers can scrub copies of them from free text (a vendor's raw notification, a receiver's
   * echoed answer) that names no customer id.
   */
  personalValues: string[];
}

/** Rows erased or pseudonymized, per table. */
export type ErasureCounts = Partial<Record<keyof Database, number>>;

/** Retention rules a module applies to its own tables (privacy/retention.ts runs them daily). */
export type RetentionRule = "webhook_delivery_logs" | "channel_raw" | "usage_records" | "events";
/** Removes what is older than `before` under one rule; returns the rows affected. */
export type Pruner = (tx: Db, scope: ScopeIds, before: string) => Promise<number>;

/**
 * What a module contributes to privacy requests: one per module, registered with the privacy
 * service when the app is built. `tables` lists every table of the module that can hold data
 * about a customer; `privacy/coverage.test.ts` fails when a table is claimed by no handler and
 * not listed as holding no customer data.
 */
export interface PrivacyHandler {
  /** The module (its folder name): the section of the export archive and of the erasure report. */
  module: string;
  tables: readonly (keyof Database)[];
  /** Ids of this module's objects about the customer, which other modules' rows may name. */
  objectIds?(d: Db, scope: ScopeIds, customerId: string): Promise<string[]>;
  /** Personal values this module holds about the customer (the customers module: email, name…). */
  personalValues?(d: Db, scope: ScopeIds, customerId: string): Promise<string[]>;
  /** Everything held about the subject, machine-readable (plain JSON). */
  export(d: Db, scope: ScopeIds, subject: PrivacySubject): Promise<unknown>;
  /**
   * Removes or irreversibly pseudonymizes the subject's personal data in the module's tables, in
   * the erasure's transaction; records the law requires are kept with only what is required.
   */
  erase(tx: Db, scope: ScopeIds, subject: PrivacySubject): Promise<ErasureCounts>;
  retention?: Partial<Record<RetentionRule, Pruner>>;
}
