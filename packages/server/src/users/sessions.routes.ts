import { z } from 'zod';
import { problemSchema, ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import type { TenantsRepository } from '../tenants/tenants.repository.ts';
import { PASSWORD_MAX_LENGTH } from './password.ts';
import { checkCsrf } from './csrf.ts';
import { answerWithSession, describeSession } from './session-answer.ts';
import { clearSessionCookie, sessionTokenOf } from './session-cookie.ts';
import { TooManyAttemptsError, type SessionsService } from './sessions.service.ts';
import { sessionSchema } from './user.json.ts';

const loginBody = z.strictObject({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  tenantId: z
    .string()
    .max(64)
    .nullable()
    .optional()
    .describe(
      'Which account to open when the email has accounts in several tenants (a 409 tenant_required lists them); null: the operator account',
    ),
});

/** Login, logout and the current session of the console, kept in the kino_session cookie. */
export function sessionsRoutes(deps: {
  sessions: SessionsService;
  tenants: TenantsRepository;
  publicUrl: string | undefined;
}) {
  return async (app: App) => {
    app.post(
      '/v1/auth/login',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Log in with email and password; sets the kino_session cookie',
          description:
            'Accounts are per tenant. When the password opens accounts in several tenants, the answer is 409 `tenant_required` with `tenants: [{id, name}]` (`id` null: the operator account); send the chosen `tenantId` again with the email and password.',
          security: [],
          body: loginBody,
          response: {
            200: sessionSchema,
            400: problemSchema,
            401: problemSchema,
            409: problemSchema,
            429: problemSchema,
          },
        },
      },
      async (request, reply) => {
        try {
          const started = await deps.sessions.login({ ...request.body, clientAddress: request.ip });
          return await answerWithSession(request, reply, started, deps);
        } catch (err) {
          if (err instanceof TooManyAttemptsError) reply.header('retry-after', String(err.retryAfterSeconds));
          throw err;
        }
      },
    );

    app.post(
      '/v1/auth/logout',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'End the session of the cookie (needs X-CSRF-Token) and clear the cookie',
          security: [],
          response: { 204: z.null().describe('Logged out'), 403: problemSchema },
        },
      },
      async (request, reply) => {
        const token = sessionTokenOf(request);
        const found = token === undefined ? undefined : await deps.sessions.resolve(token);
        if (found) {
          checkCsrf(request, found.session.csrf_token, deps.publicUrl);
          await deps.sessions.logout(found.session.id);
        }
        clearSessionCookie(request, reply, deps.publicUrl);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/auth/session',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'The user of the session cookie and its CSRF token',
          security: [],
          response: { 200: sessionSchema, 401: problemSchema },
        },
      },
      async (request) => {
        const token = sessionTokenOf(request);
        const found = token === undefined ? undefined : await deps.sessions.resolve(token);
        if (!found) throw new ApiError('unauthorized', 'not logged in, or the session has ended');
        return describeSession(deps.tenants, found);
      },
    );
  };
}
