import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { authErrors, timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import { ApiError, notFound } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { newId } from '../lib/ids.ts';
import type { TenantKeyRow, TenantKeysRepository } from './tenant-keys.repository.ts';
import { PublicKeyError, readPublicKey } from './tenant-jwt.ts';

const keySchema = z
  .object({
    kid: z.string().describe('Put this in the `kid` header of the tokens you sign'),
    name: z.string(),
    algorithm: z.enum(['RS256', 'ES256']),
    publicKeyPem: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: 'TenantSigningKey' });

const toJson = (row: TenantKeyRow) => ({
  kid: row.id,
  name: row.name,
  algorithm: row.algorithm,
  publicKeyPem: row.public_key_pem,
  createdAt: toIso(row.created_at),
});

const DESCRIPTION = `Register the public half of a key pair you keep, then sign playback tokens
yourself, without calling Kino for each: a JWT with header \`{"alg": "RS256" | "ES256", "kid": <kid>}\`
and claims \`sub\` (the media id), \`exp\` (Unix seconds), optional \`nbf\`, \`ip\` (an address or
CIDR) and \`referrers\` (domains). It goes where Kino's tokens go: \`/play/t/<jwt>/<media id>/master.m3u8\`
(and \`/embed/<media id>?token=<jwt>\`). RSA keys of 2048 bits or more sign RS256, P-256 keys ES256.`;

/** Tenants' public keys for the playback tokens they sign themselves (see tenant-jwt.ts). */
export function tenantKeysRoutes(deps: { keys: TenantKeysRepository; now?: () => number }) {
  const now = () => deps.now?.() ?? Date.now();
  return async (app: App) => {
    app.post(
      '/v1/signing-keys/public',
      {
        config: { access: 'keys:manage' },
        schema: {
          tags: ['playback'],
          summary: 'Register a public key to sign playback tokens with (JWT RS256/ES256)',
          description: DESCRIPTION,
          body: z.strictObject({
            name: z.string().trim().min(1).max(200),
            publicKeyPem: z.string().min(1).max(20_000),
          }),
          response: { 201: keySchema, ...authErrors },
        },
      },
      async (request, reply) => {
        let read;
        try {
          read = readPublicKey(request.body.publicKeyPem);
        } catch (err) {
          if (err instanceof PublicKeyError) throw new ApiError('invalid_request', err.message);
          throw err;
        }
        const at = now();
        const row = await deps.keys.create({
          id: newId('tsk', at),
          tenant_id: tenantOf(request),
          name: request.body.name,
          algorithm: read.algorithm,
          public_key_pem: read.pem,
          created_at: at,
        });
        return reply.code(201).send(toJson(row));
      },
    );

    app.get(
      '/v1/signing-keys/public',
      {
        config: { access: 'keys:manage' },
        schema: {
          tags: ['playback'],
          summary: 'The public keys this tenant signs playback tokens with',
          response: { 200: z.object({ items: z.array(keySchema) }), ...authErrors },
        },
      },
      async (request) => ({ items: (await deps.keys.list(tenantOf(request))).map(toJson) }),
    );

    app.delete(
      '/v1/signing-keys/public/:kid',
      {
        config: { access: 'keys:manage' },
        schema: {
          tags: ['playback'],
          summary: 'Revoke a public key: tokens it signed stop working within 5 seconds',
          params: z.object({ kid: z.string().max(64) }),
          response: { 204: z.null(), ...withNotFound },
        },
      },
      async (request, reply) => {
        if (!(await deps.keys.revoke(tenantOf(request), request.params.kid, now()))) throw notFound('key');
        return reply.code(204).send(null);
      },
    );
  };
}
