import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { noneMatch } from '../http/conditional-requests.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { builtFile, CONSOLE_DIST, PLAYER_FILE, type BuiltFile } from './built-files.ts';
import { isConsoleNotFound, isConsolePath } from './console-paths.ts';
import { CONSOLE_POLICY } from '../http/content-security-policy.ts';

const NOT_BUILT =
  "Kino's web console is not built.\n\n" +
  'Build it with `npm run build` (scripts/start.sh and `npm start` do this for you), then reload this page.\n' +
  'The API works meanwhile: /v1 (documentation at /docs).\n';

const YEAR_SECONDS = 31_536_000;

export interface ConsoleRoutesOptions {
  /** The console's build output (index.html, assets/); packages/console/dist by default. */
  consoleDir?: string;
  /** The player module; packages/player/dist/kino-player.js by default. */
  playerFile?: string;
}

/**
 * Serves the web console at `/` (its index.html for every console path, so client-side routes
 * survive a reload), its hashed assets under /assets/ (immutable for a year), and the player
 * module at /player/kino-player.js for the embed page and other sites. Server paths that match no
 * route stay problem+json 404s.
 */
export function consoleRoutes(opts: ConsoleRoutesOptions = {}) {
  const consoleDir = opts.consoleDir ?? CONSOLE_DIST;
  const indexHtml = builtFile(path.join(consoleDir, 'index.html'));
  const favicon = builtFile(path.join(consoleDir, 'favicon.svg'));
  const player = builtFile(opts.playerFile ?? PLAYER_FILE);

  const sendBuilt = (
    request: FastifyRequest,
    reply: FastifyReply,
    file: BuiltFile,
    type: string,
    cacheControl: string,
  ) => {
    reply
      .header('etag', file.etag)
      .header('cache-control', cacheControl)
      .header('x-content-type-options', 'nosniff');
    if (noneMatch(request.headers['if-none-match'], file.etag)) return reply.code(304).send();
    return reply.type(type).send(file.body);
  };

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const pathname = request.url.split('?')[0] ?? '/';
    const known = isConsolePath(pathname);
    if (!known && !isConsoleNotFound(pathname, request.headers.accept)) {
      throw new ApiError('route_not_found', `no route ${request.method} ${pathname}`);
    }
    const html = indexHtml();
    if (!html)
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(NOT_BUILT);
    reply
      .header('content-security-policy', CONSOLE_POLICY)
      .header('referrer-policy', 'same-origin')
      .header('x-frame-options', 'DENY');
    // Revalidated on every load, so a new build's asset names are picked up at once.
    // A mistyped console address: the console itself says "Page not found", with a 404 status.
    if (!known)
      return reply
        .code(404)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(html.body);
    return sendBuilt(request, reply, html, 'text/html; charset=utf-8', 'no-cache');
  };

  return async (app: App) => {
    const assets = path.join(consoleDir, 'assets');
    if (fs.existsSync(assets)) {
      await app.register(async (scope) => {
        scope.addHook('onRoute', (route) => {
          route.config = { ...route.config, access: 'public' };
        });
        await scope.register(fastifyStatic, {
          root: assets,
          prefix: '/assets/',
          // Vite names every asset by its content hash: a name never changes meaning.
          immutable: true,
          maxAge: YEAR_SECONDS * 1000,
          index: false,
          decorateReply: false,
          setHeaders: (res) => {
            res.header('x-content-type-options', 'nosniff');
          },
        });
      });
    }

    app.get(
      '/player/kino-player.js',
      { config: { access: 'public' }, schema: { hide: true } },
      (request, reply) => {
        const file = player();
        if (!file) {
          throw new ApiError('not_found', 'the player is not built: run `npm run build`');
        }
        // Other sites load it as a module script, which browsers fetch with CORS.
        reply.header('access-control-allow-origin', '*');
        return sendBuilt(request, reply, file, 'text/javascript; charset=utf-8', 'public, max-age=300');
      },
    );

    app.get('/favicon.svg', { config: { access: 'public' }, schema: { hide: true } }, (request, reply) => {
      const file = favicon();
      if (!file) throw new ApiError('route_not_found', 'no route GET /favicon.svg');
      return sendBuilt(request, reply, file, 'image/svg+xml', 'public, max-age=86400');
    });

    app.get('/', { config: { access: 'public' }, schema: { hide: true } }, page);
    app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, page);
  };
}
