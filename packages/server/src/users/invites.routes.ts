import { z } from 'zod';
import { problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import type { TenantsRepository } from '../tenants/tenants.repository.ts';
import type { InvitesService } from './invites.service.ts';
import { answerWithSession } from './session-answer.ts';
import { sessionSchema } from './user.json.ts';
import { passwordSchema } from './users.routes.ts';

const tokenParams = z.object({ token: z.string().max(128) });
const inviteErrors = { 400: problemSchema, 404: problemSchema, 410: problemSchema };

/** What the recipient of an invite URL calls: no key, no session, the token is the proof. */
export function invitesRoutes(deps: {
  invites: InvitesService;
  tenants: TenantsRepository;
  publicUrl: string | undefined;
}) {
  return async (app: App) => {
    app.get(
      '/v1/invites/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['users'],
          summary: 'Who an invite is for (404 unknown, 410 used or expired)',
          security: [],
          params: tokenParams,
          response: {
            200: z.object({
              email: z.string(),
              tenantName: z.string().nullable(),
              role: z.enum(['admin', 'editor', 'viewer']),
            }),
            ...inviteErrors,
          },
        },
      },
      async (request) => deps.invites.lookup(request.params.token),
    );

    app.post(
      '/v1/invites/:token/accept',
      {
        config: { access: 'public' },
        schema: {
          tags: ['users'],
          summary: 'Accept an invite: choose a password and log in (the same answer as a login)',
          security: [],
          params: tokenParams,
          body: z.strictObject({ password: passwordSchema, name: z.string().trim().max(200).optional() }),
          response: { 200: sessionSchema, ...inviteErrors },
        },
      },
      async (request, reply) => {
        const started = await deps.invites.accept(request.params.token, request.body);
        return answerWithSession(request, reply, started, deps);
      },
    );
  };
}
