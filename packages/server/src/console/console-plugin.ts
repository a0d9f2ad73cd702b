import type { App } from '../http/types.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { consoleRoutes, type ConsoleRoutesOptions } from './console.routes.ts';
import { mediaProgressRoutes } from './media-progress.routes.ts';

/**
 * What the web console needs from the server: its files (and the player's), and the media
 * progress it shows while a video is processed.
 *
 * @example await app.register(consolePlugin({ repos }))
 */
export function consolePlugin(
  deps: { repos: Pick<Repositories, 'media' | 'jobProgress'> } & ConsoleRoutesOptions,
) {
  return async (app: App) => {
    await app.register(mediaProgressRoutes(deps.repos));
    await app.register(consoleRoutes(deps));
  };
}
