import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import { notFound } from '../http/problem.ts';
import type { Access, App } from '../http/types.ts';
import { NO_RULES, playbackRulesSchema, type PlaybackRules } from './playback-rules.ts';
import type { PlaybackRulesRepository } from './playback-rules.repository.ts';
import type { TenantsRepository } from './tenants.repository.ts';

const rulesResponse = z
  .object({
    allowedReferrers: z.array(z.string()),
    allowMissingReferrer: z.boolean(),
    ipAllow: z.array(z.string()),
    ipDeny: z.array(z.string()),
    updatedAt: timestamp.nullable().describe('null while the tenant has never set rules'),
  })
  .meta({ id: 'PlaybackRulesState' });

export interface PlaybackRulesRoutesDeps {
  rules: PlaybackRulesRepository;
  tenants: Pick<TenantsRepository, 'get'>;
  /** Called after a change, so this process applies it at once (others within their cache's lifetime). */
  changed(tenantId: string): void;
  now?: () => number;
}

/**
 * A tenant's playback rules twice over: its own under /v1/tenant/playback-rules (a full-scope key,
 * the one that also manages keys), and any tenant's under /v1/tenants/{tenantId}/playback-rules
 * for the operator. PUT replaces the whole set; `{}` clears it.
 */
export function playbackRulesRoutes(deps: PlaybackRulesRoutesDeps) {
  const now = deps.now ?? Date.now;
  const read = async (tenantId: string) => {
    const found = await deps.rules.get(tenantId);
    return toJson(found?.rules ?? NO_RULES, found?.updatedAt ?? null);
  };

  return async (app: App) => {
    const mounts: { url: string; access: Access; tenant: (r: FastifyRequest) => Promise<string> }[] = [
      {
        url: '/v1/tenant/playback-rules',
        access: 'keys:manage',
        tenant: (r) => Promise.resolve(tenantOf(r)),
      },
      {
        url: '/v1/tenants/:tenantId/playback-rules',
        access: 'operator',
        tenant: async (r) => {
          const { tenantId } = r.params as { tenantId: string };
          if (!(await deps.tenants.get(tenantId))) throw notFound('tenant');
          return tenantId;
        },
      },
    ];
    for (const { url, access, tenant } of mounts) {
      const params = url.includes(':tenantId') ? z.object({ tenantId: z.string().max(64) }) : z.object({});
      app.get(
        url,
        {
          config: { access },
          schema: {
            tags: ['playback'],
            summary: 'A tenant’s playback rules (referrer domains, address lists)',
            params,
            response: { 200: rulesResponse, ...withNotFound },
          },
        },
        async (request) => read(await tenant(request)),
      );
      app.put(
        url,
        {
          config: { access },
          schema: {
            tags: ['playback'],
            summary: 'Replace a tenant’s playback rules; they apply to every media, public ones too',
            description:
              'Enforced on every /play and /embed request (403 referrer_not_allowed or ip_not_allowed). ' +
              'Other Kino processes apply a change within 5 seconds.',
            params,
            body: playbackRulesSchema,
            response: { 200: rulesResponse, ...withNotFound },
          },
        },
        async (request) => {
          const tenantId = await tenant(request);
          const at = now();
          await deps.rules.put(tenantId, request.body, at);
          deps.changed(tenantId);
          return toJson(request.body, at);
        },
      );
    }
  };
}

function toJson(rules: PlaybackRules, updatedAt: number | null) {
  return { ...rules, updatedAt: updatedAt === null ? null : toIso(updatedAt) };
}
