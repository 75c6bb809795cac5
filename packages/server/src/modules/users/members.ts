import type { Actor, CreateInvitation, UpdateMembership } from "@tessera/core";
import type { Deps } from "../../context.js";
import type { MembershipRow } from "../../db/types.js";
import { ApiError, notFound } from "../../errors.js";
import { fromJson, toJson } from "../../lib/json.js";
import type { AuditService } from "../audit/service.js";
import * as repo from "./repo.js";
import type { RoleCaller, RolesService } from "./roles.js";
import { assertWithin } from "./roles.js";

/** Who changes a tenant's members: their permissions there, whether they are owner-level, and for the trail. */
export interface MemberCaller extends RoleCaller {
  ownerLevel: boolean;
  actor: Actor;
  requestId?: string | undefined;
}

const snapshot = (userId: string, m: Pick<MembershipRow, "role" | "environments">) => ({
  id: userId,
  object: "member",
  role: m.role,
  environments: fromJson<"all" | string[]>(m.environments, "all"),
});

/**
 * A tenant's members: they run in the calling tenant's access (row-level security on Postgres
 * sees only that tenant's memberships, invitations and roles). Every change is an audit record.
 */
export function membersService(
  deps: Pick<Deps, "db" | "clock">,
  o: { roles: RolesService; audit: Pick<AuditService, "recordTenantWide"> },
) {
  const { db } = deps;

  async function record(
    tx: Parameters<AuditService["recordTenantWide"]>[0],
    tenantId: string,
    caller: MemberCaller,
    action: string,
    userId: string,
    before: unknown,
    after: unknown,
  ) {
    await o.audit.recordTenantWide(tx, tenantId, {
      kind: "action",
      action,
      object: { id: userId, object: "user" },
      before,
      after,
      actor: caller.actor,
      requestId: caller.requestId,
    });
  }

  /** Changing someone needs owner level for owners, and every permission their role holds. */
  async function assertMayChange(tenantId: string, userId: string, caller: MemberCaller): Promise<MembershipRow> {
    const current = await repo.findMembership(db, userId, tenantId);
    if (!current) throw notFound("user", userId);
    if (current.role === "owner" && !caller.ownerLevel) {
      throw new ApiError("FORBIDDEN", "Only an owner can change or remove an owner");
    }
    const role = await o.roles.get(tenantId, current.role).catch(() => undefined);
    if (role) assertWithin(caller, role);
    return current;
  }

  return {
    assertMayChange,

    /** Checks a role can be handed out by the caller; the owner role needs an owner-level caller. */
    async assertInvitable(tenantId: string, input: CreateInvitation, caller: MemberCaller) {
      if (input.role === "owner" && !caller.ownerLevel) {
        throw new ApiError("FORBIDDEN", "Only an owner can invite another owner");
      }
      await o.roles.assertAssignable(tenantId, input.role, caller);
    },

    recordInvited: (tx: Parameters<typeof record>[0], tenantId: string, caller: MemberCaller, invitation: unknown) =>
      o.audit.recordTenantWide(tx, tenantId, {
        kind: "action",
        action: "user.invited",
        object: { id: (invitation as { id: string }).id, object: "invitation" },
        after: invitation,
        actor: caller.actor,
        requestId: caller.requestId,
      }),

    async list(tenantId: string) {
      const rows = await repo.listTenantMembers(db, tenantId);
      return {
        object: "list" as const,
        data: rows.map((r) => ({
          id: r.id,
          object: "member" as const,
          email: r.email,
          name: r.name,
          role: r.role,
          environments: fromJson<"all" | string[]>(r.environments, "all"),
          created_at: r.created_at,
        })),
        has_more: false,
        next_cursor: null,
      };
    },

    async update(tenantId: string, userId: string, patch: UpdateMembership, caller: MemberCaller) {
      const current = await assertMayChange(tenantId, userId, caller);
      if (patch.role === "owner" && !caller.ownerLevel) {
        throw new ApiError("FORBIDDEN", "Only an owner can grant or take the owner role");
      }
      if (patch.role) await o.roles.assertAssignable(tenantId, patch.role, caller);
      const next = {
        role: (patch.role ?? current.role) as MembershipRow["role"],
        environments: patch.environments ? toJson(patch.environments) : current.environments,
      };
      await db.transaction().execute(async (tx) => {
        await repo.updateMembership(tx, userId, tenantId, next);
        await record(
          tx,
          tenantId,
          caller,
          "user.role_changed",
          userId,
          snapshot(userId, current),
          snapshot(userId, next),
        );
      });
    },

    async remove(tenantId: string, userId: string, caller: MemberCaller) {
      const current = await assertMayChange(tenantId, userId, caller);
      await db.transaction().execute(async (tx) => {
        await repo.deleteMembership(tx, userId, tenantId);
        await record(tx, tenantId, caller, "user.removed", userId, snapshot(userId, current), null);
      });
    },
  };
}

export type MembersService = ReturnType<typeof membersService>;
