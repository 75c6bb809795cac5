import { roleAllows, type TenantRole } from "@tessera/core";
import { withSystemAccess } from "../../db/access.js";
import type { UserRow } from "../../db/types.js";
import type { Services } from "../../services.js";

/*
 * Which tenants and environments a viewer may open, and their role there: the same rules the API
 * applies to a session token (users.tenantAccess), read in system mode because they span tenants.
 */

export interface Workspace {
  tenant: { id: string; slug: string; name: string };
  environment: string;
  role: string;
  environments: string[];
}

export function tenantsOf(services: Services, user: UserRow) {
  return withSystemAccess(async () => {
    if (user.platform_role) {
      const page = await services.tenancy.list({ limit: 100 });
      return page.data.map((t) => ({ slug: t.slug, name: t.name }));
    }
    const me = await services.users.toUser(user);
    const tenants = await Promise.all(me.memberships.map((m) => services.tenancy.find(m.tenant)));
    return tenants.filter((t) => t !== undefined).map((t) => ({ slug: t.slug, name: t.name }));
  });
}

export function openWorkspace(
  services: Services,
  user: UserRow,
  tenantRef: string,
  environment: string,
): Promise<Workspace | undefined> {
  return withSystemAccess(async () => {
    const row = await services.tenancy.find(tenantRef);
    if (!row) return undefined;
    const tenant = await services.tenancy.get(row.id);
    const names = tenant.environments.map((e) => e.name);
    const allowed: string[] = [];
    for (const name of names) if (await services.users.tenantAccess(user, row.id, name)) allowed.push(name);
    const access = allowed.includes(environment)
      ? await services.users.tenantAccess(user, row.id, environment)
      : undefined;
    if (!access) return undefined;
    return {
      tenant: { id: row.id, slug: row.slug, name: row.name },
      environment,
      role: access.role,
      environments: allowed,
    };
  });
}

export const roleCan = (role: string, permission: string) => roleAllows(role as TenantRole, permission);
