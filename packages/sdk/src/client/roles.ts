import type { CreateRoleInput, Role, UpdateRoleInput } from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { Namespace, type Page } from "./resources.js";

/**
 * Roles of the tenant (`tessera.roles`): the built-in ones and the tenant's own, with their
 * permissions. Managing them needs `users:manage`; a custom role never exceeds its creator's permissions.
 *
 * @example
 * const role = await tessera.roles.create({ name: "billing-ops", permissions: ["payments:read", "payments:refund"] });
 */
export class RolesApi extends Namespace {
  /**
   * Every role a member can be given: built-in roles first, then the tenant's own.
   *
   * @example
   * const { data } = await tessera.roles.list();
   */
  list(options?: RequestOptions): Promise<Page<Role>> {
    return this.call("GET", "/v1/roles", options);
  }

  /**
   * Creates a custom role.
   *
   * @example
   * await tessera.roles.create({ name: "support-lead", permissions: ["customers:read", "subscriptions:write"] });
   */
  create(input: CreateRoleInput, options?: RequestOptions): Promise<Role> {
    return this.call("POST", "/v1/roles", { ...options, json: input });
  }

  /**
   * One role, built in or custom.
   *
   * @example
   * const role = await tessera.roles.retrieve("role_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<Role> {
    return this.call("GET", `/v1/roles/${seg(id)}`, options);
  }

  /**
   * Changes a custom role; its members get the new permissions at their next request.
   *
   * @example
   * await tessera.roles.update("role_123", { permissions: ["payments:read"] });
   */
  update(id: string, input: UpdateRoleInput, options?: RequestOptions): Promise<Role> {
    return this.call("PATCH", `/v1/roles/${seg(id)}`, { ...options, json: input });
  }

  /**
   * Deletes a custom role that no member holds.
   *
   * @example
   * await tessera.roles.delete("role_123");
   */
  delete(id: string, options?: RequestOptions): Promise<Role> {
    return this.call("DELETE", `/v1/roles/${seg(id)}`, options);
  }
}
