import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { baseUrlOf } from '../http/base-url.ts';
import { authErrors, withNotFound } from '../http/common-schemas.ts';
import { ApiError, notFound, problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password.ts';
import { toUserJson, userSchema } from './user.json.ts';
import type { UsersService } from './users.service.ts';

const roleSchema = z
  .enum(['admin', 'editor', 'viewer'])
  .describe(
    'admin: everything, members included; editor: media, uploads, webhooks (read); viewer: media (read)',
  );
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `a password has at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH);
const emailSchema = z.email().max(320);
const nameSchema = z.string().trim().max(200);

const tenantQuery = z.object({
  tenantId: z.string().max(64).optional().describe('Operator only: the tenant whose members these are'),
});
const userParams = z.object({ userId: z.string().max(64) });
const invitedSchema = z
  .object({
    user: userSchema,
    inviteUrl: z
      .string()
      .nullable()
      .describe('Send it to the member; it works once, for 7 days. Shown once.'),
  })
  .meta({ id: 'CreatedUser' });
const errors = { ...withNotFound, 409: problemSchema };

/** The tenant whose members a request manages: the caller's own, or the one the operator names. */
function memberTenantOf(request: FastifyRequest): string {
  const principal = request.principal;
  const named = (request.query as { tenantId?: string }).tenantId;
  if (principal?.kind === 'tenant') {
    if (named !== undefined && named !== principal.tenantId) throw notFound('tenant');
    return principal.tenantId;
  }
  if (named === undefined) throw new ApiError('invalid_request', 'name the tenant: ?tenantId=<tenant id>');
  return named;
}

/** Members of a tenant (its admins manage them; the operator, any tenant's) and the operator's users. */
export function usersRoutes(deps: { users: UsersService; publicUrl: string | undefined }) {
  const { users } = deps;
  const access = { operatorOr: 'members:manage' } as const;
  const inviteUrl = (request: FastifyRequest, token: string) =>
    `${baseUrlOf(request, deps.publicUrl)}/invite/${token}`;

  return async (app: App) => {
    app.get(
      '/v1/users',
      {
        config: { access },
        schema: {
          tags: ['users'],
          summary: "List a tenant's members",
          querystring: tenantQuery,
          response: { 200: z.object({ items: z.array(userSchema) }), ...errors },
        },
      },
      async (request) => {
        const tenantId = memberTenantOf(request);
        const tenant = await users.tenant(tenantId);
        return { items: (await users.list(tenantId)).map((u) => toUserJson(u, tenant.name)) };
      },
    );

    app.post(
      '/v1/users',
      {
        config: { access },
        schema: {
          tags: ['users'],
          summary: 'Add a member: with a password they can log in now, without one they get an invite URL',
          querystring: tenantQuery,
          body: z.strictObject({
            email: emailSchema,
            name: nameSchema.optional(),
            role: roleSchema,
            password: passwordSchema.optional(),
          }),
          response: { 201: invitedSchema, ...errors },
        },
      },
      async (request, reply) => {
        const tenant = await users.tenant(memberTenantOf(request));
        const { user, inviteToken } = await users.create(tenant.id, request.body);
        return reply.code(201).send({
          user: toUserJson(user, tenant.name),
          inviteUrl: inviteToken === undefined ? null : inviteUrl(request, inviteToken),
        });
      },
    );

    app.get(
      '/v1/users/:userId',
      {
        config: { access },
        schema: {
          tags: ['users'],
          summary: 'Get a member',
          params: userParams,
          querystring: tenantQuery,
          response: { 200: userSchema, ...errors },
        },
      },
      async (request) => {
        const tenant = await users.tenant(memberTenantOf(request));
        return toUserJson(await users.get(tenant.id, request.params.userId), tenant.name);
      },
    );

    app.patch(
      '/v1/users/:userId',
      {
        config: { access },
        schema: {
          tags: ['users'],
          summary: "Change a member's role or name, or disable them (which ends their sessions)",
          params: userParams,
          querystring: tenantQuery,
          body: z.strictObject({
            role: roleSchema.optional(),
            name: nameSchema.optional(),
            disabled: z.boolean().optional(),
          }),
          response: { 200: userSchema, ...errors },
        },
      },
      async (request) => {
        const tenant = await users.tenant(memberTenantOf(request));
        return toUserJson(await users.update(tenant.id, request.params.userId, request.body), tenant.name);
      },
    );

    app.delete(
      '/v1/users/:userId',
      {
        config: { access },
        schema: {
          tags: ['users'],
          summary: 'Remove a member',
          params: userParams,
          querystring: tenantQuery,
          response: { 204: z.null().describe('Removed'), ...errors },
        },
      },
      async (request, reply) => {
        await users.remove(memberTenantOf(request), request.params.userId);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/users/:userId/invite',
      {
        config: { access },
        schema: {
          tags: ['users'],
          summary: 'A new invite URL for a member who has not accepted theirs (the old one stops working)',
          params: userParams,
          querystring: tenantQuery,
          response: { 200: invitedSchema, ...errors },
        },
      },
      async (request) => {
        const tenant = await users.tenant(memberTenantOf(request));
        const { user, inviteToken } = await users.reinvite(tenant.id, request.params.userId);
        return { user: toUserJson(user, tenant.name), inviteUrl: inviteUrl(request, inviteToken) };
      },
    );

    app.post(
      '/v1/operator/users',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['users'],
          summary: 'Create an operator user (logs in to the console as the operator)',
          body: z.strictObject({ email: emailSchema, password: passwordSchema, name: nameSchema.optional() }),
          response: { 201: z.object({ user: userSchema }), ...authErrors, 409: problemSchema },
        },
      },
      async (request, reply) => {
        const { user } = await users.createOperator(request.body);
        return reply.code(201).send({ user: toUserJson(user, null) });
      },
    );
  };
}
