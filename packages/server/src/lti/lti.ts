import type { App } from '../http/types.ts';
import { guardedFetch } from '../imports/guarded-fetch.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { signPlaybackToken } from '../delivery/playback-token.ts';
import { LtiDeepLinkingService } from './lti-deep-linking.service.ts';
import { PlatformTokenVerifier } from './lti-id-token.ts';
import { LtiLaunchService } from './lti-launch.service.ts';
import { ltiPlatformsRoutes } from './lti-platforms.routes.ts';
import { LtiPlatformsService } from './lti-platforms.service.ts';
import { LtiToolKeys } from './lti-tool-keys.ts';
import { ltiRoutes } from './lti.routes.ts';
import type { JSONWebKeySet } from 'jose';

/**
 * The LTI 1.3 tool wired over the process's repositories: the browser routes under /lti and the
 * registration API under /v1/lti.
 *
 * @example await app.register(ltiTool({ repos, publicUrl, allowPrivate: config.importAllowPrivate }));
 */
export function ltiTool(deps: {
  repos: Repositories;
  publicUrl: string | undefined;
  /** Platforms' key sets may be on inside addresses (KINO_IMPORT_ALLOW_PRIVATE=1). */
  allowPrivate: boolean;
}) {
  const { repos } = deps;
  const fetch = guardedFetch({ allowPrivate: deps.allowPrivate });
  const verifier = new PlatformTokenVerifier(async (url) => {
    const res = await fetch(url, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`the platform's JWKS answered ${res.status}`);
    return (await res.json()) as JSONWebKeySet;
  });
  const toolKeys = new LtiToolKeys(repos.ltiToolKeys);
  const launches = new LtiLaunchService({ repos, verifier });
  const deepLinking = new LtiDeepLinkingService({ repos, toolKeys });
  const signPlayback = async (mediaId: string, expiresAt: number) =>
    signPlaybackToken({ mediaId, expiresAt }, await repos.signingKeys.current(Date.now()));
  return async (app: App) => {
    await app.register(
      ltiRoutes({ launches, deepLinking, toolKeys, signPlayback, publicUrl: deps.publicUrl }),
    );
    await app.register(
      ltiPlatformsRoutes({
        platforms: new LtiPlatformsService(repos),
        launches: repos.ltiLaunches,
        toolKeys,
        publicUrl: deps.publicUrl,
      }),
    );
  };
}
