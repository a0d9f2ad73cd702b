import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { App } from '../http/types.ts';
import { isWellFormedId } from '../lib/ids.ts';
import { cacheControl, neverCacheErrors } from './http-caching.ts';
import { admit, type PlayAccessDeps } from './play-access.ts';

const escapeAttr = (s: string) =>
  s.replace(/[^A-Za-z0-9._~-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const STYLE = 'html,body{margin:0;height:100%;background:#000}video{width:100%;height:100%}';
/** The page's one inline style, allowed by its hash rather than by 'unsafe-inline'. */
const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** A CSP that lets only pages of these hosts (and Kino's own) frame the embed page. */
const frameAncestors = (patterns: readonly string[]) => `frame-ancestors 'self' ${patterns.join(' ')}`;

/**
 * `/embed/{id}`: the iframe target. A plain <video> plays the HLS master natively where the
 * browser can (Safari, iOS, Android); the full player comes with the console. The page passes the
 * same gate as /play, with the embedding page as the referrer; its own /play requests then come
 * from Kino's origin, which the rules always allow. Referrer rules also become frame-ancestors, so
 * browsers refuse to frame the page elsewhere even when they send no Referer.
 */
export function embedRoutes(deps: PlayAccessDeps) {
  return async (app: App) => {
    neverCacheErrors(app);
    app.get(
      '/embed/:id',
      {
        config: { access: 'public' },
        schema: {
          hide: true,
          params: z.object({ id: z.string().max(64) }),
          querystring: z.object({
            token: z
              .string()
              .max(1024)
              .regex(/^[A-Za-z0-9_.-]+$/)
              .optional(),
          }),
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const notFound = () => reply.code(404).type('text/plain').send('not found');
        if (!isWellFormedId('med', id)) return notFound();
        const media = await deps.playback.media(id);
        if (!media?.playback_prefix) return notFound();
        const token = request.query.token ?? null;
        const admission = await admit(deps, request, media, token);
        const rules = await deps.rules.get(media.tenant_id);
        const policies = [
          `default-src 'self'; media-src 'self' blob:; img-src 'self'; style-src ${STYLE_SOURCE}`,
        ];
        if (rules.referrers.length > 0) policies.push(frameAncestors(rules.referrers));
        if (admission.claims?.referrers) policies.push(frameAncestors(admission.claims.referrers));

        const play = token ? `/play/t/${escapeAttr(token)}/${id}` : `/play/${id}`;
        reply
          .header('content-security-policy', policies)
          .header('referrer-policy', 'same-origin')
          .header('cache-control', cacheControl('alias', admission.restricted, secondsLeft(admission)));
        return reply
          .type('text/html; charset=utf-8')
          .send(
            `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Kino</title>` +
              `<style>${STYLE}</style></head>` +
              `<body><video controls playsinline preload="metadata" src="${play}/master.m3u8" poster="${play}/poster.jpg"></video></body></html>`,
          );
      },
    );
  };
}

const secondsLeft = (admission: { claims: { expiresAt: number } | null }) =>
  admission.claims ? admission.claims.expiresAt - Math.floor(Date.now() / 1000) : undefined;
