import { z } from 'zod';
import type { App } from '../http/types.ts';
import { isWellFormedId } from '../lib/ids.ts';

const escapeAttr = (s: string) =>
  s.replace(/[^A-Za-z0-9._~-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/**
 * `/embed/{id}`: the iframe target. A plain <video> plays the HLS master natively where the
 * browser can (Safari, iOS, Android); the full player comes with the console.
 */
export function embedRoutes() {
  return async (app: App) => {
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
        if (!isWellFormedId('med', id)) return reply.code(404).type('text/plain').send('not found');
        const token = request.query.token;
        const src = token ? `/play/t/${escapeAttr(token)}/${id}/master.m3u8` : `/play/${id}/master.m3u8`;
        const poster = token ? `/play/t/${escapeAttr(token)}/${id}/poster.jpg` : `/play/${id}/poster.jpg`;
        reply.header('content-security-policy', "default-src 'self'; media-src 'self' blob:; img-src 'self'");
        return reply
          .type('text/html; charset=utf-8')
          .send(
            `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Kino</title>` +
              `<style>html,body{margin:0;height:100%;background:#000}video{width:100%;height:100%}</style></head>` +
              `<body><video controls playsinline preload="metadata" src="${src}" poster="${poster}"></video></body></html>`,
          );
      },
    );
  };
}
