import { z } from "zod";
import { SCOPES } from "./api-keys.js";
import { Timestamp } from "./common.js";

/*
 * Custom tenant roles: a named set of permissions from the one vocabulary (SCOPES, without `*`),
 * optionally different per environment ("production read-only"). Built-in roles are listed beside
 * them, read-only.
 */

export const ROLE_PERMISSIONS_VOCABULARY = SCOPES.filter((s) => s !== "*");
export const RolePermission = z.enum(ROLE_PERMISSIONS_VOCABULARY as [string, ...string[]]);

const PermissionList = z.array(RolePermission).max(ROLE_PERMISSIONS_VOCABULARY.length);
const EnvironmentPermissions = z
  .record(z.string().min(1).max(64), PermissionList)
  .refine((r) => Object.keys(r).length <= 20, "at most 20 environments")
  .meta({
    description:
      "Per environment name, the permissions the role has there instead of `permissions` " +
      '(e.g. `{ "production": ["catalog:read"] }` for production read-only).',
  });

export const Role = z
  .object({
    id: z.string().meta({ description: "A custom role's id (role_…), or a built-in role's name." }),
    object: z.literal("role"),
    name: z.string(),
    description: z.string().nullable(),
    built_in: z.boolean(),
    permissions: z.array(z.string()),
    environment_permissions: z.record(z.string(), z.array(z.string())),
    created_at: Timestamp.nullable(),
    updated_at: Timestamp.nullable(),
  })
  .meta({ id: "Role" });
export type Role = z.infer<typeof Role>;

export const CreateRole = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, - and _"),
    description: z.string().max(500).optional(),
    permissions: PermissionList.min(1),
    environment_permissions: EnvironmentPermissions.optional(),
  })
  .strict()
  .meta({ id: "CreateRole" });
export type CreateRole = z.infer<typeof CreateRole>;

export const UpdateRole = z
  .object({
    name: CreateRole.shape.name.optional(),
    description: z.string().max(500).nullable().optional(),
    permissions: PermissionList.min(1).optional(),
    environment_permissions: EnvironmentPermissions.optional(),
  })
  .strict()
  .meta({ id: "UpdateRole" });
export type UpdateRole = z.infer<typeof UpdateRole>;
