import type { FastifyRequest } from 'fastify';
import { roleGrants, scopeGrants, type Principal } from './principal.ts';
import { ApiError } from './problem.ts';
import type { Access } from './types.ts';

/** Throws the 403 that a principal gets for a route it may not call. */
export function checkAccess(principal: Principal, access: Access): void {
  if (access === 'public') return;
  if (typeof access === 'object') {
    if (principal.kind === 'operator') return;
    checkAccess(principal, access.operatorOr);
    return;
  }
  if (access === 'operator') {
    if (principal.kind !== 'operator')
      throw new ApiError('operator_only', 'this route needs the operator key or an operator user');
    return;
  }
  if (principal.kind === 'operator') {
    throw new ApiError('tenant_key_required', 'this route acts inside a tenant: use a key of that tenant');
  }
  const via = principal.via;
  if (via.kind === 'key' && !scopeGrants(via.scope, access)) {
    throw new ApiError('insufficient_scope', `a '${via.scope}' key cannot do '${access}'`);
  }
  if (via.kind === 'session' && !roleGrants(via.role, access)) {
    throw new ApiError('insufficient_role', `a member with the '${via.role}' role cannot do '${access}'`);
  }
}

/** The tenant a request acts in; only called on routes whose access needs a tenant key. */
export function tenantOf(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.kind !== 'tenant') throw new ApiError('tenant_key_required', 'this route needs a tenant key');
  return p.tenantId;
}

/** The tenant a request is confined to: its key's tenant, or none (all tenants) for the operator. */
export function tenantScopeOf(request: FastifyRequest): string | undefined {
  const p = request.principal;
  if (!p) throw new ApiError('unauthorized', 'authentication required');
  return p.kind === 'tenant' ? p.tenantId : undefined;
}
