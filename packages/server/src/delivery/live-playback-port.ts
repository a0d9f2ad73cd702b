import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/types.ts';
import type { Admission, PlayAccessDeps } from './play-access.ts';
import type { PlayableMedia } from './playable-media.repository.ts';

/**
 * What /play asks of live streaming (live/ implements it; the composition root joins them): the
 * files of a broadcast's media before it has a VOD version, and the /play/live/{stream} routes,
 * which pass the same gate as every /play request.
 */
export interface LivePlaybackPort {
  serveMedia(
    request: FastifyRequest,
    reply: FastifyReply,
    media: PlayableMedia,
    rest: string,
    admission: Admission,
  ): Promise<unknown>;
  routes(access: PlayAccessDeps): (app: App) => Promise<void>;
}
