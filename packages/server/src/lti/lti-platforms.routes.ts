import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { baseUrlOf } from '../http/base-url.ts';
import { problemSchema } from '../http/problem.ts';
import { timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import type { App } from '../http/types.ts';
import type { LtiLaunchesRepository } from './lti-launches.repository.ts';
import type { LtiPlatformRow } from './lti-platforms.repository.ts';
import type { LtiPlatformsService } from './lti-platforms.service.ts';
import type { LtiToolKeys } from './lti-tool-keys.ts';
import { toolUrls } from './lti.routes.ts';

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe('http(s) URL');

const createBody = z.strictObject({
  issuer: z.string().min(1).max(1024).describe("The platform's issuer (iss of its id_tokens)"),
  clientId: z.string().min(1).max(1024).describe('The client id the platform gave Kino'),
  deploymentIds: z.array(z.string().min(1).max(1024)).min(1).max(100),
  authLoginUrl: httpUrl.describe("The platform's OIDC authorization endpoint"),
  jwksUrl: httpUrl.describe("The platform's public key set"),
  accessTokenUrl: httpUrl.nullable().optional(),
});

const toolSchema = z
  .object({
    loginUrl: z.string().describe('OIDC login initiation URL (GET or POST)'),
    launchUrl: z.string().describe('Redirect / target link URI'),
    jwksUrl: z.string().describe("Kino's public keys"),
    deepLinkingUrl: z.string().describe('Deep Linking URL (the launch URL)'),
  })
  .meta({ id: 'LtiToolUrls' });

const platformSchema = z
  .object({
    id: z.string(),
    issuer: z.string(),
    clientId: z.string(),
    deploymentIds: z.array(z.string()),
    authLoginUrl: z.string(),
    jwksUrl: z.string(),
    accessTokenUrl: z.string().nullable(),
    tool: toolSchema.describe('What the LMS administrator enters for Kino'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'LtiPlatform' });

const launchSchema = z
  .object({
    id: z.string(),
    platformId: z.string(),
    messageType: z.string(),
    role: z.enum(['admin', 'instructor', 'learner']),
    contextId: z.string().nullable(),
    contextTitle: z.string().nullable(),
    resourceLinkId: z.string().nullable(),
    mediaId: z.string().nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'LtiLaunch' });

const idParams = z.object({ platformId: z.string().max(64) });

function toPlatformJson(row: LtiPlatformRow, base: string) {
  return {
    id: row.id,
    issuer: row.issuer,
    clientId: row.client_id,
    deploymentIds: JSON.parse(row.deployment_ids) as string[],
    authLoginUrl: row.auth_login_url,
    jwksUrl: row.jwks_url,
    accessTokenUrl: row.access_token_url,
    tool: toolUrls(base),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

/** LMS registrations of a tenant (admins and full keys), its launches by course, and Kino's LTI key rotation (operator). */
export function ltiPlatformsRoutes(deps: {
  platforms: LtiPlatformsService;
  launches: LtiLaunchesRepository;
  toolKeys: LtiToolKeys;
  publicUrl: string | undefined;
}) {
  return async (app: App) => {
    const access = 'keys:manage' as const;
    const tags = ['lti'];
    const base = (request: Parameters<typeof baseUrlOf>[0]) => baseUrlOf(request, deps.publicUrl);

    app.post(
      '/v1/lti/platforms',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Register an LMS (LTI 1.3 platform); the answer has the URLs to enter in the LMS',
          body: createBody,
          response: { 201: platformSchema, 409: problemSchema, ...withNotFound },
        },
      },
      async (request, reply) => {
        const row = await deps.platforms.create(tenantOf(request), request.body);
        return reply.code(201).send(toPlatformJson(row, base(request)));
      },
    );
    app.get(
      '/v1/lti/platforms',
      {
        config: { access },
        schema: {
          tags,
          summary: "The tenant's LMS registrations",
          response: { 200: z.object({ data: z.array(platformSchema) }), ...withNotFound },
        },
      },
      async (request) => ({
        data: (await deps.platforms.list(tenantOf(request))).map((r) => toPlatformJson(r, base(request))),
      }),
    );
    app.get(
      '/v1/lti/platforms/:platformId',
      {
        config: { access },
        schema: {
          tags,
          summary: 'One LMS registration',
          params: idParams,
          response: { 200: platformSchema, ...withNotFound },
        },
      },
      async (request) =>
        toPlatformJson(await deps.platforms.get(tenantOf(request), request.params.platformId), base(request)),
    );
    app.patch(
      '/v1/lti/platforms/:platformId',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Change an LMS registration',
          params: idParams,
          body: createBody.partial(),
          response: { 200: platformSchema, 409: problemSchema, ...withNotFound },
        },
      },
      async (request) =>
        toPlatformJson(
          await deps.platforms.update(tenantOf(request), request.params.platformId, request.body),
          base(request),
        ),
    );
    app.delete(
      '/v1/lti/platforms/:platformId',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Remove an LMS registration',
          params: idParams,
          response: { 204: z.null(), ...withNotFound },
        },
      },
      async (request, reply) => {
        await deps.platforms.delete(tenantOf(request), request.params.platformId);
        return reply.code(204).send(null);
      },
    );
    app.get(
      '/v1/lti/launches',
      {
        config: { access: 'media:read' },
        schema: {
          tags,
          summary: 'Recent LTI launches, optionally of one course (context id)',
          querystring: z.object({
            contextId: z.string().max(1024).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: { 200: z.object({ data: z.array(launchSchema) }), ...withNotFound },
        },
      },
      async (request) => {
        const rows = await deps.launches.listLaunches(tenantOf(request), request.query);
        return {
          data: rows.map((r) => ({
            id: r.id,
            platformId: r.platform_id,
            messageType: r.message_type,
            role: r.role as 'admin' | 'instructor' | 'learner',
            contextId: r.context_id,
            contextTitle: r.context_title,
            resourceLinkId: r.resource_link_id,
            mediaId: r.media_id,
            createdAt: toIso(r.created_at),
          })),
        };
      },
    );
    app.post(
      '/v1/lti/keys/rotate',
      {
        config: { access: 'operator' },
        schema: {
          tags,
          summary: 'Make a new LTI signing key; the old one stays in /lti/jwks for a week',
          response: { 200: z.object({ id: z.string(), createdAt: timestamp }), ...withNotFound },
        },
      },
      async () => {
        const key = await deps.toolKeys.rotate();
        return { id: key.id, createdAt: toIso(key.created_at) };
      },
    );
  };
}
