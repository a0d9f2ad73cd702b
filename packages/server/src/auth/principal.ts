import type { ApiKeyScope } from '../db/schema.ts';

/** Who is calling: the operator (manages tenants) or a key acting inside one tenant. */
export type Principal =
  { kind: 'operator' } | { kind: 'tenant'; tenantId: string; keyId: string; scope: ApiKeyScope };

/** What a route needs. Routes name one; scopes grant a set. */
export type Permission =
  'media:read' | 'media:write' | 'media:create' | 'upload' | 'keys:manage' | 'jobs:manage';

const GRANTS: Record<ApiKeyScope, ReadonlySet<Permission>> = {
  full: new Set<Permission>([
    'media:read',
    'media:write',
    'media:create',
    'upload',
    'keys:manage',
    'jobs:manage',
  ]),
  read: new Set<Permission>(['media:read']),
  // For devices and browser uploaders: they add media and send bytes, and read nothing else.
  upload: new Set<Permission>(['media:create', 'upload']),
};

export function scopeGrants(scope: ApiKeyScope, permission: Permission): boolean {
  return GRANTS[scope].has(permission);
}
