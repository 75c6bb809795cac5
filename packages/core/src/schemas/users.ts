import { z } from "zod";
import { SCOPES, type Scope, scopeAllows } from "./api-keys.js";
import { Timestamp } from "./common.js";

/*
 * People who use Tessera: platform users (operators of the installation) and tenant users (a
 * merchant's staff). They share one permission vocabulary with API keys (SCOPES): a role is a named
 * list of permissions, an API key carries a list of its own.
 */

export const TENANT_ROLES = ["owner", "admin", "developer", "finance", "support", "viewer"] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];
export const PLATFORM_ROLES = ["platform_admin", "platform_support"] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

const READS: Scope[] = SCOPES.filter((s) => s.endsWith(":read"));

/** What each built-in role may do. `*` is everything, including managing users. */
export const ROLE_PERMISSIONS: Record<TenantRole | PlatformRole, readonly Scope[]> = {
  owner: ["*"],
  // Everything an owner can, except granting or taking the owner role (checked by the users service).
  admin: ["*"],
  developer: [
    "catalog:write",
    "storefronts:write",
    "customers:read",
    "subscriptions:read",
    "payments:read",
    "invoices:read",
    "entitlements:write",
    "events:read",
    "webhooks:write",
    "keys:manage",
    "test_clocks:write",
    "campaigns:write",
  ],
  finance: [
    "catalog:read",
    "storefronts:read",
    "customers:read",
    "subscriptions:read",
    // Reading payments comes with refunding them: a refund starts from the payment it gives back.
    "payments:read",
    "payments:refund",
    "invoices:write",
    "events:read",
    "audit:read",
    "metrics:read",
    "campaigns:read",
  ],
  support: [
    "catalog:read",
    "storefronts:read",
    "customers:write",
    "subscriptions:write",
    "payments:read",
    "invoices:read",
    "entitlements:write",
    "events:read",
    "campaigns:read",
  ],
  viewer: READS,
  platform_admin: ["*"],
  // Read-only across every tenant.
  platform_support: READS,
};

/** Whether a role (with its extra custom permissions, if any) allows a route's permission. */
export function roleAllows(role: TenantRole | PlatformRole, permission: string): boolean {
  return scopeAllows(ROLE_PERMISSIONS[role], permission);
}

/** A custom tenant role's id (`role_…`); built-in roles are named by their name. */
export const CUSTOM_ROLE_ID = /^role_[0-9A-HJKMNP-TV-Z]{26}$/;

/** A role a membership can hold: a built-in tenant role's name or a custom role's id. */
export const RoleRef = z
  .string()
  .max(40)
  .refine((v) => (TENANT_ROLES as readonly string[]).includes(v) || CUSTOM_ROLE_ID.test(v), {
    message: `must be one of ${TENANT_ROLES.join(", ")} or a custom role's id (role_…)`,
  })
  .meta({ description: "A built-in role (owner, admin, developer, finance, support, viewer) or a custom role's id." });

/** `all`, or the environments a membership reaches (e.g. production read-only is two memberships' worth). */
export const EnvironmentAccess = z.union([z.literal("all"), z.array(z.string().min(1).max(64)).min(1)]);

export const Membership = z
  .object({
    tenant: z.string(),
    tenant_slug: z.string(),
    role: z.string().meta({ description: "A built-in role's name or a custom role's id." }),
    environments: EnvironmentAccess,
  })
  .meta({ id: "Membership" });
export type Membership = z.infer<typeof Membership>;

export const User = z
  .object({
    id: z.string(),
    object: z.literal("user"),
    email: z.string(),
    name: z.string().nullable(),
    platform_role: z.enum(PLATFORM_ROLES).nullable(),
    totp_enabled: z.boolean(),
    memberships: z.array(Membership),
    created_at: Timestamp,
  })
  .meta({ id: "User" });
export type User = z.infer<typeof User>;

export const Member = z
  .object({
    id: z.string(),
    object: z.literal("member"),
    email: z.string(),
    name: z.string().nullable(),
    role: z.string().meta({ description: "A built-in role's name or a custom role's id." }),
    environments: EnvironmentAccess,
    created_at: Timestamp,
  })
  .meta({ id: "Member" });
export type Member = z.infer<typeof Member>;

export const Password = z.string().min(12, "must be at least 12 characters").max(200);

export const Login = z
  .object({
    email: z.email().max(254),
    password: z.string().min(1).max(200),
    totp: z
      .string()
      .regex(/^\d{6}$/, "must be the 6-digit code of your authenticator app")
      .optional(),
  })
  .strict()
  .meta({ id: "Login" });
export type Login = z.infer<typeof Login>;

export const Refresh = z
  .object({ refresh_token: z.string().min(1).max(200) })
  .strict()
  .meta({ id: "Refresh" });
export type Refresh = z.infer<typeof Refresh>;

export const SessionTokens = z
  .object({
    object: z.literal("session_tokens"),
    access_token: z.string().meta({ description: "EdDSA JWT, sent as Authorization: Bearer …" }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
    refresh_token: z.string().meta({ description: "One use: each refresh returns a new one." }),
    session: z.string(),
    user: User,
  })
  .meta({ id: "SessionTokens" });
export type SessionTokens = z.infer<typeof SessionTokens>;

export const Session = z
  .object({
    id: z.string(),
    object: z.literal("session"),
    created_at: Timestamp,
    last_refreshed_at: Timestamp.nullable(),
    expires_at: Timestamp,
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof Session>;

export const CreateInvitation = z
  .object({
    email: z.email().max(254),
    role: RoleRef,
    environments: EnvironmentAccess.default("all"),
  })
  .strict()
  .meta({ id: "CreateInvitation" });
export type CreateInvitation = z.infer<typeof CreateInvitation>;

export const Invitation = z
  .object({
    id: z.string(),
    object: z.literal("invitation"),
    email: z.string(),
    role: z.string().meta({ description: "A built-in role's name or a custom role's id." }),
    environments: EnvironmentAccess,
    expires_at: Timestamp,
    accepted_at: Timestamp.nullable(),
    token: z.string().optional().meta({ description: "Shown once, at creation: the one-time acceptance token." }),
  })
  .meta({ id: "Invitation" });
export type Invitation = z.infer<typeof Invitation>;

export const AcceptInvitation = z
  .object({
    token: z.string().min(1).max(200),
    name: z.string().min(1).max(200).optional(),
    password: Password,
  })
  .strict()
  .meta({ id: "AcceptInvitation" });
export type AcceptInvitation = z.infer<typeof AcceptInvitation>;

export const UpdateMembership = z
  .object({ role: RoleRef.optional(), environments: EnvironmentAccess.optional() })
  .strict()
  .meta({ id: "UpdateMembership" });
export type UpdateMembership = z.infer<typeof UpdateMembership>;

export const TotpSetup = z
  .object({ object: z.literal("totp_setup"), secret: z.string(), otpauth_url: z.string() })
  .meta({ id: "TotpSetup" });
export type TotpSetup = z.infer<typeof TotpSetup>;

export const EnableTotp = z
  .object({ code: z.string().regex(/^\d{6}$/) })
  .strict()
  .meta({ id: "EnableTotp" });
export type EnableTotp = z.infer<typeof EnableTotp>;

export const ChangePassword = z
  .object({ current_password: z.string().min(1).max(200), new_password: Password })
  .strict()
  .meta({ id: "ChangePassword" });
export type ChangePassword = z.infer<typeof ChangePassword>;

export const ForgotPassword = z
  .object({ email: z.email().max(254) })
  .strict()
  .meta({ id: "ForgotPassword" });
export type ForgotPassword = z.infer<typeof ForgotPassword>;

export const ResetPassword = z
  .object({ token: z.string().min(1).max(200), new_password: Password })
  .strict()
  .meta({ id: "ResetPassword" });
export type ResetPassword = z.infer<typeof ResetPassword>;

export const PasswordReset = z
  .object({
    object: z.literal("password_reset"),
    user: z.string(),
    expires_at: Timestamp,
    token: z.string().meta({ description: "Shown once: hand it to the user, who sets a new password with it." }),
  })
  .meta({ id: "PasswordReset" });
export type PasswordReset = z.infer<typeof PasswordReset>;

export const DisableTotp = z
  .object({ password: z.string().min(1).max(200), code: z.string().regex(/^\d{6}$/) })
  .strict()
  .meta({ id: "DisableTotp" });
export type DisableTotp = z.infer<typeof DisableTotp>;
