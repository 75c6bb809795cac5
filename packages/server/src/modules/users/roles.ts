import {
  type CreateRole,
  CUSTOM_ROLE_ID,
  ROLE_PERMISSIONS,
  type Role,
  scopeAllows,
  TENANT_ROLES,
  type TenantRole,
  type UpdateRole,
} from "@tessera/core";
import type { Deps } from "../../context.js";
import type { Db, TenantRoleRow } from "../../db/types.js";
import { ApiError, isUniqueViolation, notFound } from "../../errors.js";
import { newId } from "../../lib/ids.js";
import { fromJson, toJson } from "../../lib/json.js";
import * as repo from "./roles-repo.js";

/** Who is asking: the permissions the caller holds where it asks (an API key's scopes, a user's role). */
export interface RoleCaller {
  permissions: readonly string[];
}

const isBuiltIn = (ref: string): ref is TenantRole => (TENANT_ROLES as readonly string[]).includes(ref);

function builtIn(name: TenantRole): Role {
  return {
    id: name,
    object: "role",
    name,
    description: null,
    built_in: true,
    permissions: [...ROLE_PERMISSIONS[name]],
    environment_permissions: {},
    created_at: null,
    updated_at: null,
  };
}

function toRole(row: TenantRoleRow): Role {
  return {
    id: row.id,
    object: "role",
    name: row.name,
    description: row.description,
    built_in: false,
    permissions: fromJson<string[]>(row.permissions, []),
    environment_permissions: fromJson<Record<string, string[]>>(row.environment_permissions, {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Every permission a role can grant in any environment: what assigning it hands out. */
function everyPermission(role: Pick<Role, "permissions" | "environment_permissions">): string[] {
  return [...role.permissions, ...Object.values(role.environment_permissions).flat()];
}

/**
 * Refuses a role whose permissions the caller does not hold itself: nobody can make or hand out
 * more power than they have.
 */
export function assertWithin(caller: RoleCaller, role: Pick<Role, "permissions" | "environment_permissions">) {
  const beyond = [...new Set(everyPermission(role))].filter((p) => !scopeAllows(caller.permissions, p));
  if (beyond.length) {
    throw new ApiError("FORBIDDEN", `You cannot grant permissions you do not hold: ${beyond.join(", ")}`);
  }
}

/** Custom tenant roles beside the immutable built-in ones (docs/security.md "Custom roles"). */
export function rolesService(deps: Pick<Deps, "db" | "clock">) {
  const { db, clock } = deps;
  const now = () => clock.now().toISOString();

  async function get(d: Db, tenantId: string, ref: string): Promise<Role> {
    if (isBuiltIn(ref)) return builtIn(ref);
    const row = CUSTOM_ROLE_ID.test(ref) ? await repo.findRole(d, tenantId, ref) : undefined;
    if (!row) throw notFound("role", ref);
    return toRole(row);
  }

  function immutable(ref: string) {
    if (isBuiltIn(ref)) throw new ApiError("ROLE_IMMUTABLE", `"${ref}" is a built-in role: make a custom role instead`);
  }

  return {
    get: (tenantId: string, ref: string) => get(db, tenantId, ref),

    async list(tenantId: string) {
      const custom = (await repo.listRoles(db, tenantId)).map(toRole);
      return {
        object: "list" as const,
        data: [...TENANT_ROLES.map(builtIn), ...custom],
        has_more: false,
        next_cursor: null,
      };
    },

    async create(tenantId: string, input: CreateRole, caller: RoleCaller): Promise<Role> {
      if (isBuiltIn(input.name)) throw new ApiError("ALREADY_EXISTS", `"${input.name}" is a built-in role`);
      const role: TenantRoleRow = {
        id: newId("role") as TenantRoleRow["id"],
        tenant_id: tenantId,
        name: input.name,
        description: input.description ?? null,
        permissions: toJson([...new Set(input.permissions)]),
        environment_permissions: toJson(input.environment_permissions ?? {}),
        created_at: now(),
        updated_at: now(),
      };
      assertWithin(caller, toRole(role));
      try {
        await repo.insertRole(db, role);
      } catch (error) {
        if (isUniqueViolation(error)) throw new ApiError("ALREADY_EXISTS", `A role named "${input.name}" exists`);
        throw error;
      }
      return toRole(role);
    },

    /** Changes a custom role; the caller must hold what the role grants before and after. */
    async update(tenantId: string, ref: string, patch: UpdateRole, caller: RoleCaller): Promise<Role> {
      immutable(ref);
      const before = await get(db, tenantId, ref);
      assertWithin(caller, before);
      const after: Role = {
        ...before,
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.permissions && { permissions: [...new Set(patch.permissions)] }),
        ...(patch.environment_permissions && { environment_permissions: patch.environment_permissions }),
        updated_at: now(),
      };
      if (isBuiltIn(after.name)) throw new ApiError("ALREADY_EXISTS", `"${after.name}" is a built-in role`);
      assertWithin(caller, after);
      try {
        await repo.updateRole(db, tenantId, before.id, {
          name: after.name,
          description: after.description,
          permissions: toJson(after.permissions),
          environment_permissions: toJson(after.environment_permissions),
          updated_at: after.updated_at!,
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new ApiError("ALREADY_EXISTS", `A role named "${after.name}" exists`);
        throw error;
      }
      return after;
    },

    /** Deletes a custom role nobody holds (409 IN_USE otherwise: reassign its members first). */
    async remove(tenantId: string, ref: string, caller: RoleCaller): Promise<Role> {
      immutable(ref);
      const role = await get(db, tenantId, ref);
      assertWithin(caller, role);
      if (await repo.roleInUse(db, tenantId, role.id)) {
        throw new ApiError("IN_USE", "Members or open invitations hold this role: give them another role first");
      }
      await repo.deleteRole(db, tenantId, role.id);
      return role;
    },

    /** The permissions `ref` grants in one environment, or undefined when the role is gone. */
    async permissionsIn(d: Db, tenantId: string, ref: string, environment: string) {
      if (isBuiltIn(ref)) return ROLE_PERMISSIONS[ref];
      const row = CUSTOM_ROLE_ID.test(ref) ? await repo.findRole(d, tenantId, ref) : undefined;
      if (!row) return undefined;
      const role = toRole(row);
      return role.environment_permissions[environment] ?? role.permissions;
    },

    /** Checks that `ref` exists in the tenant and that the caller may hand it out. */
    async assertAssignable(tenantId: string, ref: string, caller: RoleCaller): Promise<Role> {
      const role = await get(db, tenantId, ref).catch((error) => {
        if (error instanceof ApiError && error.code === "NOT_FOUND")
          throw new ApiError("VALIDATION_FAILED", `No role "${ref}" in this tenant`, {
            errors: [{ path: "role", message: "unknown role" }],
          });
        throw error;
      });
      assertWithin(caller, role);
      return role;
    },
  };
}

export type RolesService = ReturnType<typeof rolesService>;
