import type { Db } from '../db/database.ts';
import type { App } from '../http/types.ts';
import { consoleRoutes, type ConsoleRoutesOptions } from './console.routes.ts';
import { mediaProgressRoutes } from './media-progress.routes.ts';

/**
 * What the web console needs from the server: its files (and the player's), and the media
 * progress it shows while a video is processed.
 *
 * @example await app.register(consolePlugin({ db }))
 */
export function consolePlugin(deps: { db: Db } & ConsoleRoutesOptions) {
  return async (app: App) => {
    await app.register(mediaProgressRoutes(deps.db));
    await app.register(consoleRoutes(deps));
  };
}
