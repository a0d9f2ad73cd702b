import { z } from 'zod';
import { problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import type { TenantsRepository } from '../tenants/tenants.repository.ts';
import { answerWithSession } from '../users/session-answer.ts';
import { sessionSchema } from '../users/user.json.ts';
import { passwordSchema } from '../users/users.routes.ts';
import { TooManySetupAttemptsError, type SetupService } from './setup.service.ts';

const setupStateSchema = z
  .object({
    needed: z
      .boolean()
      .describe('true until the first administrator is created with a setup code Kino printed at start'),
  })
  .meta({ id: 'SetupState' });

const firstAdministratorBody = z.strictObject({
  code: z.string().trim().min(1).max(64).describe('The one-time setup code printed by Kino at start'),
  organisation: z.string().trim().min(1).max(200).describe('The name of the first tenant'),
  name: z.string().trim().min(1).max(200).describe("The administrator's name"),
  email: z.email().max(320),
  password: passwordSchema,
});

/** The first run: is setup needed, and create the first tenant and its administrator. */
export function setupRoutes(deps: {
  setup: SetupService;
  tenants: TenantsRepository;
  publicUrl: string | undefined;
}) {
  return async (app: App) => {
    app.get(
      '/v1/setup',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Whether Kino still waits for its first administrator (the console then offers setup)',
          security: [],
          response: { 200: setupStateSchema },
        },
      },
      async () => ({ needed: await deps.setup.needed() }),
    );

    app.post(
      '/v1/setup',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary:
            'Create the first tenant and its administrator with the setup code; sets the kino_session cookie',
          description:
            'Works once. A wrong or used code answers 403 `invalid_setup_code`; once Kino is set up, 409 `already_set_up`. ' +
            'Attempts are limited per client address like logins (429 `too_many_attempts` with Retry-After).',
          security: [],
          body: firstAdministratorBody,
          response: {
            201: sessionSchema,
            400: problemSchema,
            403: problemSchema,
            409: problemSchema,
            429: problemSchema,
          },
        },
      },
      async (request, reply) => {
        try {
          const started = await deps.setup.createFirstAdministrator({
            ...request.body,
            clientAddress: request.ip,
          });
          reply.code(201);
          return await answerWithSession(request, reply, started, deps);
        } catch (err) {
          if (err instanceof TooManySetupAttemptsError) {
            reply.header('retry-after', String(err.retryAfterSeconds));
          }
          throw err;
        }
      },
    );
  };
}
