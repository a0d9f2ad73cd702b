import type { FastifyRequest } from 'fastify';
import type { ApiKeyScope, TenantUserRole } from '../db/schema.ts';

/** A tenant API key. */
export interface KeyCredential {
  kind: 'key';
  keyId: string;
  scope: ApiKeyScope;
}

/** A person logged in through the console (session cookie). */
export interface SessionCredential {
  kind: 'session';
  sessionId: string;
  userId: string;
}

/**
 * Who is calling: the operator (manages tenants), by the operator key or as an operator user; or a
 * key or a member acting inside one tenant.
 */
export type Principal =
  | { kind: 'operator'; via: { kind: 'operator-key' } | SessionCredential }
  | { kind: 'tenant'; tenantId: string; via: KeyCredential | (SessionCredential & { role: TenantUserRole }) };

/**
 * Turns a request into its Principal, or throws a 401/403 ApiError. The app calls it for every
 * route that is not public; auth/authenticator.ts implements it.
 */
export type Authenticate = (request: FastifyRequest) => Promise<Principal>;

/** What a route needs. Routes name one; scopes and roles grant a set. */
export type Permission =
  | 'media:read'
  | 'media:write'
  | 'media:create'
  | 'upload'
  | 'keys:manage'
  | 'jobs:manage'
  | 'webhooks:read'
  | 'members:manage';

const FULL_KEY: readonly Permission[] = [
  'media:read',
  'media:write',
  'media:create',
  'upload',
  'keys:manage',
  'jobs:manage',
  'webhooks:read',
];

const SCOPE_GRANTS: Record<ApiKeyScope, ReadonlySet<Permission>> = {
  full: new Set(FULL_KEY),
  read: new Set<Permission>(['media:read']),
  // For devices and browser uploaders: they add media and send bytes, and read nothing else.
  upload: new Set<Permission>(['media:create', 'upload']),
};

// People, unlike keys, manage people: only a tenant admin adds and removes members.
const ROLE_GRANTS: Record<TenantUserRole, ReadonlySet<Permission>> = {
  admin: new Set<Permission>([...FULL_KEY, 'members:manage']),
  editor: new Set<Permission>(['media:read', 'media:write', 'media:create', 'upload', 'webhooks:read']),
  viewer: new Set<Permission>(['media:read']),
};

export function scopeGrants(scope: ApiKeyScope, permission: Permission): boolean {
  return SCOPE_GRANTS[scope].has(permission);
}

export function roleGrants(role: TenantUserRole, permission: Permission): boolean {
  return ROLE_GRANTS[role].has(permission);
}
