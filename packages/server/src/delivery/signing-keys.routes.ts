import { z } from 'zod';
import { authErrors, timestamp, toIso } from '../http/common-schemas.ts';
import type { App } from '../http/types.ts';
import type { PlaybackService } from './playback.service.ts';

/** Key rotation for playback tokens, for the operator (a suspected leak, or routine). */
export function signingKeysRoutes(playback: PlaybackService) {
  return async (app: App) => {
    app.post(
      '/v1/signing-keys/rotate',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['playback'],
          summary: 'Sign new playback tokens with a new key',
          description:
            'Tokens signed with earlier keys stay valid until they expire (at most 7 days); new ' +
            'tokens name the new key. Every Kino process picks the new key up on its first token.',
          response: { 201: z.object({ id: z.string(), createdAt: timestamp }), ...authErrors },
        },
      },
      async (_request, reply) => {
        const key = await playback.rotateKeys();
        return reply.code(201).send({ id: key.id, createdAt: toIso(key.createdAt) });
      },
    );
  };
}
