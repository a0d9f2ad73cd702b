import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TenantsRepository } from '../tenants/tenants.repository.ts';
import type { UserRow } from '../db/schema.ts';
import { setSessionCookie } from './session-cookie.ts';
import type { SessionWithUser } from './sessions.repository.ts';
import type { StartedSession } from './sessions.service.ts';
import { toUserJson, type UserJson } from './user.json.ts';

/** A user as JSON, with the name of their tenant. */
export async function describeUser(tenants: TenantsRepository, user: UserRow): Promise<UserJson> {
  const tenant = user.tenant_id === null ? undefined : await tenants.get(user.tenant_id);
  return toUserJson(user, tenant?.name ?? null);
}

/** The answer to a login or an accepted invite: the session cookie, the user and the CSRF token. */
export async function answerWithSession(
  request: FastifyRequest,
  reply: FastifyReply,
  started: StartedSession,
  deps: { tenants: TenantsRepository; publicUrl: string | undefined },
) {
  setSessionCookie(request, reply, started.token, deps.publicUrl);
  return describeSession(deps.tenants, started);
}

export async function describeSession(tenants: TenantsRepository, found: SessionWithUser) {
  return { user: await describeUser(tenants, found.user), csrfToken: found.session.csrf_token };
}
