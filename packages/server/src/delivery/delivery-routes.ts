import type { App } from '../http/types.ts';
import type { Repositories } from '../repositories/repositories.ts';
import type { Storage } from '../storage/storage.ts';
import { playbackRulesRoutes } from '../tenants/playback-rules.routes.ts';
import { embedRoutes } from './embed.routes.ts';
import { playRoutes } from './play.routes.ts';
import { PlaybackRulesCache } from './playback-rules-cache.ts';
import type { PlayObserver } from './play-observer.ts';
import type { LivePlaybackPort } from './live-playback-port.ts';
import { playbackTokensRoutes } from './playback-tokens.routes.ts';
import { PlaybackService } from './playback.service.ts';
import { CaptionPlayback } from './caption-playback.ts';
import { signingKeysRoutes } from './signing-keys.routes.ts';
import { tenantKeysRoutes } from './tenant-keys.routes.ts';

/** How long a presigned storage URL that /play redirects to stays valid. */
export const PRESIGN_SECONDS = 300;

/** The service behind /play and /embed, over the repositories and storage. */
export function createPlaybackService(
  repos: Pick<Repositories, 'playableMedia' | 'signingKeys' | 'tenantKeys'>,
  storage: Storage,
): PlaybackService {
  return new PlaybackService({
    media: repos.playableMedia,
    storage,
    signingKeys: repos.signingKeys,
    tenantKeys: repos.tenantKeys,
  });
}

/**
 * Everything playback: /play, /embed, playback tokens and their keys, tenants' playback rules.
 *
 * @example await app.register(deliveryRoutes({ repos, storage, publicUrl }))
 */
export function deliveryRoutes(deps: {
  repos: Pick<
    Repositories,
    | 'captions'
    | 'jobProgress'
    | 'media'
    | 'playableMedia'
    | 'playbackRules'
    | 'signingKeys'
    | 'tenantKeys'
    | 'tenants'
  >;
  storage: Storage;
  publicUrl?: string | undefined;
  /** `presigned`: whole files are redirects to presigned storage URLs where storage can make them. */
  playRedirect?: 'stream' | 'presigned';
  /** Told of bytes delivered and players' CMCD data (analytics). */
  observer?: PlayObserver | undefined;
  /** The playback service, when the composition root shares it (analytics checks beacon grants with it). */
  playback?: PlaybackService;
  /** Broadcasts: their media's live playlists and the /play/live routes. */
  live?: LivePlaybackPort | undefined;
}) {
  const { repos } = deps;
  const playback = deps.playback ?? createPlaybackService(repos, deps.storage);
  const rulesRepository = repos.playbackRules;
  const rules = new PlaybackRulesCache((tenantId) => rulesRepository.get(tenantId).then((r) => r?.rules));
  const presignSeconds =
    deps.playRedirect === 'presigned' && deps.storage.presignGet ? PRESIGN_SECONDS : undefined;
  const access = { playback, rules, publicUrl: deps.publicUrl };
  return async (app: App) => {
    app.addHook('onClose', (_instance, done) => {
      playback.close();
      done();
    });
    const captions = new CaptionPlayback(repos.captions, deps.storage);
    await app.register(
      playRoutes({ ...access, presignSeconds, captions, observer: deps.observer, live: deps.live }),
    );
    if (deps.live) await app.register(deps.live.routes(access));
    await app.register(embedRoutes({ ...access, media: repos.media, progress: repos.jobProgress }));
    await app.register(playbackTokensRoutes({ media: repos.media, playback, publicUrl: deps.publicUrl }));
    await app.register(signingKeysRoutes(playback));
    await app.register(tenantKeysRoutes({ keys: repos.tenantKeys }));
    await app.register(
      playbackRulesRoutes({
        rules: rulesRepository,
        tenants: repos.tenants,
        changed: (tenantId) => {
          rules.invalidate(tenantId);
        },
      }),
    );
  };
}
