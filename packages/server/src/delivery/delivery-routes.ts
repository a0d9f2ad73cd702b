import type { Db } from '../db/database.ts';
import type { App } from '../http/types.ts';
import type { MediaRepository } from '../media/media.repository.ts';
import type { Storage } from '../storage/storage.ts';
import { PlaybackRulesRepository } from '../tenants/playback-rules.repository.ts';
import { playbackRulesRoutes } from '../tenants/playback-rules.routes.ts';
import type { TenantsRepository } from '../tenants/tenants.repository.ts';
import { embedRoutes } from './embed.routes.ts';
import { playRoutes } from './play.routes.ts';
import { PlaybackRulesCache } from './playback-rules-cache.ts';
import { playbackTokensRoutes } from './playback-tokens.routes.ts';
import { PlayableMediaRepository } from './playable-media.repository.ts';
import { PlaybackService } from './playback.service.ts';
import { SigningKeysRepository } from './signing-keys.repository.ts';
import { CaptionPlayback } from '../captions/caption-playback.ts';
import { signingKeysRoutes } from './signing-keys.routes.ts';
import { TenantKeysRepository } from './tenant-keys.repository.ts';
import { tenantKeysRoutes } from './tenant-keys.routes.ts';

/** How long a presigned storage URL that /play redirects to stays valid. */
export const PRESIGN_SECONDS = 300;

/**
 * Everything playback: /play, /embed, playback tokens and their keys, tenants' playback rules.
 *
 * @example await app.register(deliveryRoutes({ db, media: repos.media, tenants: repos.tenants, storage }))
 */
export function deliveryRoutes(deps: {
  db: Db;
  media: MediaRepository;
  tenants: Pick<TenantsRepository, 'get'>;
  storage: Storage;
  publicUrl?: string | undefined;
  /** `presigned`: whole files are redirects to presigned storage URLs where storage can make them. */
  playRedirect?: 'stream' | 'presigned';
}) {
  const tenantKeys = new TenantKeysRepository(deps.db);
  const playback = new PlaybackService({
    media: new PlayableMediaRepository(deps.db),
    storage: deps.storage,
    signingKeys: new SigningKeysRepository(deps.db),
    tenantKeys,
  });
  const rulesRepository = new PlaybackRulesRepository(deps.db);
  const rules = new PlaybackRulesCache((tenantId) => rulesRepository.get(tenantId).then((r) => r?.rules));
  const presignSeconds =
    deps.playRedirect === 'presigned' && deps.storage.presignGet ? PRESIGN_SECONDS : undefined;
  const access = { playback, rules, publicUrl: deps.publicUrl };
  return async (app: App) => {
    app.addHook('onClose', (_instance, done) => {
      playback.close();
      done();
    });
    const captions = new CaptionPlayback(deps.db, deps.storage);
    await app.register(playRoutes({ ...access, presignSeconds, captions }));
    await app.register(embedRoutes({ ...access, db: deps.db }));
    await app.register(playbackTokensRoutes({ media: deps.media, playback, publicUrl: deps.publicUrl }));
    await app.register(signingKeysRoutes(playback));
    await app.register(tenantKeysRoutes({ keys: tenantKeys }));
    await app.register(
      playbackRulesRoutes({
        rules: rulesRepository,
        tenants: deps.tenants,
        changed: (tenantId) => {
          rules.invalidate(tenantId);
        },
      }),
    );
  };
}
