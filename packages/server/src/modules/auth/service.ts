import { type ApiKey, type CreateApiKey, scopeAllows } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { withSystemAccess, withTenantAccess } from "../../db/access.js";
import { unavailableCause } from "../../db/errors.js";
import type { ApiKeyRow, Db } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import { randomSecret, sha256Hex } from "../../lib/crypto.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import type { EventsService } from "../events/service.js";
import type { TenancyService } from "../tenancy/service.js";
import * as repo from "./repo.js";

/** last_used_at is written at most this often per key, so authentication stays a read. */
const TOUCH_INTERVAL_MS = 60_000;

const hashSecret = (secret: string) => sha256Hex(secret);

/**
 * last_used_at is bookkeeping: when the database takes reads but not writes (a full disk, a
 * read-only file, a standby), a request that only reads must still be served.
 */
async function bestEffort(touch: Promise<unknown>, logger: Deps["logger"]): Promise<void> {
  try {
    await touch;
  } catch (error) {
    const cause = unavailableCause(error);
    if (!cause) throw error;
    logger.warn({ err: error, cause }, "could not record the key's last use");
  }
}

/** `environment` is the key's environment name (the scope it was found in). */
export function toApiKey(row: ApiKeyRow, environment: string): ApiKey {
  return {
    id: row.id,
    object: "api_key",
    name: row.name,
    environment,
    prefix: row.prefix,
    scopes: fromJson<string[]>(row.scopes, []),
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    revoked_at: row.revoked_at,
  };
}

export interface AuthenticatedKey {
  keyId: string;
  /** The key's name, shown as the actor's label on what it changes. */
  name: string | null;
  scopes: string[];
  scope: Scope;
}

export function authService(
  deps: Deps,
  { events, tenancy }: { events: Pick<EventsService, "record">; tenancy: Pick<TenancyService, "scopeForEnvironment"> },
) {
  const { db, clock } = deps;

  /**
   * Secrets are high-entropy random strings, so a plain SHA-256 is a safe, constant-cost lookup
   * key (a slow KDF protects low-entropy passwords, which these are not).
   */
  async function insertKey(
    tx: Db,
    tenantId: string,
    environment: { id: string; name: string },
    input: { name?: string | undefined; scopes: string[] },
  ) {
    const secret = `tsk_${environment.name}_${randomSecret(24)}`;
    const row: ApiKeyRow = {
      id: newId("api_key"),
      tenant_id: tenantId,
      environment_id: environment.id,
      name: input.name ?? null,
      prefix: secret.slice(0, `tsk_${environment.name}_`.length + 6),
      secret_hash: hashSecret(secret),
      scopes: toJson(input.scopes),
      created_at: isoNow(clock),
      last_used_at: null,
      revoked_at: null,
    };
    await repo.insertApiKey(tx, row);
    return { ...toApiKey(row, environment.name), secret };
  }

  return {
    insertKey,

    /**
     * A key can only hand out permissions it holds itself: a `keys:manage` key cannot mint a `*`
     * key. `grantedBy` is the creating key's scopes (omitted for trusted callers such as the CLI).
     */
    async create(scope: Scope, input: CreateApiKey, grantedBy?: readonly string[]) {
      if (grantedBy) {
        const beyond = input.scopes.filter((s) => !scopeAllows(grantedBy, s));
        if (beyond.length) {
          throw new ApiError("FORBIDDEN", `This key cannot grant permissions it does not hold: ${beyond.join(", ")}`, {
            errors: [{ path: "scopes", message: `not held by the creating key: ${beyond.join(", ")}` }],
          });
        }
      }
      return db.transaction().execute(async (tx) => {
        const created = await insertKey(
          tx,
          scope.tenantId,
          { id: scope.environmentId, name: scope.environment },
          input,
        );
        // The key as listed: prefix and scopes, never the secret.
        const { secret: _secret, ...key } = created;
        await events.record(tx, scope, { type: "api_key.created", object: key });
        return created;
      });
    },

    async get(scope: Scope, id: string): Promise<ApiKey> {
      const row = await repo.findApiKey(db, scope.tenantId, scope.environmentId, id);
      if (!row) throw notFound("api_key", id);
      return toApiKey(row, scope.environment);
    },

    async list(scope: Scope, page: PageQuery): Promise<Page<ApiKey>> {
      return toPage(await repo.pageApiKeys(db, scope.tenantId, scope.environmentId, page), (row) =>
        toApiKey(row, scope.environment),
      );
    },

    async revoke(scope: Scope, id: string): Promise<ApiKey> {
      return db.transaction().execute(async (tx) => {
        const before = await repo.findApiKey(tx, scope.tenantId, scope.environmentId, id);
        if (!before) throw notFound("api_key", id);
        await repo.revokeApiKey(tx, scope.tenantId, scope.environmentId, id, isoNow(clock));
        const row = await repo.findApiKey(tx, scope.tenantId, scope.environmentId, id);
        if (!row) throw notFound("api_key", id);
        const key = toApiKey(row, scope.environment);
        // Revoking twice changes nothing and says nothing.
        if (!before.revoked_at) await events.record(tx, scope, { type: "api_key.revoked", object: key });
        return key;
      });
    },

    /** undefined for an unknown or revoked secret. */
    async authenticate(secret: string): Promise<AuthenticatedKey | undefined> {
      // Before the key is found its tenant is unknown: the lookup spans tenants.
      const row = await withSystemAccess(() => repo.findApiKeyByHash(db, hashSecret(secret)));
      if (!row || row.revoked_at) return undefined;
      const environment = await withSystemAccess(() => tenancy.scopeForEnvironment(row.environment_id));
      if (!environment) return undefined;
      const now = clock.now();
      if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOUCH_INTERVAL_MS) {
        await withTenantAccess({ tenantId: row.tenant_id, environmentId: row.environment_id }, () =>
          bestEffort(repo.touchApiKey(db, row.id, now.toISOString()), deps.logger),
        );
      }
      return {
        keyId: row.id,
        name: row.name,
        scopes: fromJson<string[]>(row.scopes, []),
        scope: {
          tenantId: environment.tenantId,
          tenantSlug: environment.tenantSlug,
          environmentId: environment.environmentId,
          environment: environment.environment,
          clock: environment.clock,
        },
      };
    },

    async createPlatformKey(name?: string): Promise<{ id: string; secret: string }> {
      const secret = `tpk_${randomSecret(32)}`;
      const id = newId("platform_key");
      await repo.insertPlatformKey(db, {
        id,
        name: name ?? null,
        prefix: secret.slice(0, 10),
        secret_hash: hashSecret(secret),
        created_at: isoNow(clock),
        last_used_at: null,
        revoked_at: null,
      });
      return { id, secret };
    },

    async listPlatformKeys() {
      const rows = await repo.listPlatformKeys(db);
      return rows.map(({ secret_hash: _hash, ...rest }) => rest);
    },

    /** Revocation is immediate: every request looks the key up again. */
    async revokePlatformKey(id: string): Promise<boolean> {
      return repo.revokePlatformKey(db, id, isoNow(clock));
    },

    async authenticatePlatform(secret: string): Promise<{ keyId: string } | undefined> {
      const row = await repo.findPlatformKeyByHash(db, hashSecret(secret));
      if (!row || row.revoked_at) return undefined;
      const now = clock.now();
      if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOUCH_INTERVAL_MS) {
        await bestEffort(repo.touchPlatformKey(db, row.id, now.toISOString()), deps.logger);
      }
      return { keyId: row.id };
    },
  };
}

export type AuthService = ReturnType<typeof authService>;
