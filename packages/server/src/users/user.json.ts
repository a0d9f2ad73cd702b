import { z } from 'zod';
import type { UserRow } from '../db/schema.ts';
import { timestamp, toIso } from '../http/common-schemas.ts';

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(['admin', 'editor', 'viewer', 'operator']),
    tenantId: z.string().nullable().describe('null for operator users'),
    tenantName: z.string().nullable(),
    status: z
      .enum(['active', 'invited', 'disabled'])
      .describe('invited: has not accepted the invite yet; disabled: cannot log in'),
    createdAt: timestamp,
    lastLoginAt: timestamp.nullable(),
  })
  .meta({ id: 'User' });

export type UserJson = z.infer<typeof userSchema>;

/** What a login, the current session and an accepted invite answer with. */
export const sessionSchema = z
  .object({
    user: userSchema,
    csrfToken: z.string().describe('Send as X-CSRF-Token on every request that is not GET/HEAD/OPTIONS'),
  })
  .meta({ id: 'Session' });

export function toUserJson(user: UserRow, tenantName: string | null): UserJson {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    tenantId: user.tenant_id,
    tenantName,
    status: user.disabled_at !== null ? 'disabled' : user.password_hash === null ? 'invited' : 'active',
    createdAt: toIso(user.created_at),
    lastLoginAt: user.last_login_at === null ? null : toIso(user.last_login_at),
  };
}
