import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../http/problem.ts';
import { randomToken } from '../lib/ids.ts';
import type { PickerMedia } from './lti-pages.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { CLAIM } from './lti-claims.ts';
import { digestOf, LtiRefusal } from './lti-launch.service.ts';
import type { LtiDeepLinkRow } from './lti-launches.repository.ts';
import type { LtiToolKeys } from './lti-tool-keys.ts';

const PICKER_PAGE_SIZE = 60;

/**
 * Deep Linking: the picker of a tenant's media, and the answer to the platform, a JWT signed with
 * Kino's LTI key holding one ltiResourceLink that names the chosen media.
 */
export class LtiDeepLinkingService {
  private readonly now: () => number;

  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'ltiLaunches' | 'ltiPlatforms' | 'media'>;
      toolKeys: LtiToolKeys;
      now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** The open picker of this id and secret, and the media it offers (newest first, optionally searched). */
  async picker(
    id: string,
    secret: string,
    search?: string,
  ): Promise<{ link: LtiDeepLinkRow; media: PickerMedia[] }> {
    const link = await this.openLink(id, secret);
    const media = await this.deps.repos.media.list(link.tenant_id, {
      limit: PICKER_PAGE_SIZE,
      ...(search && { search }),
    });
    return { link, media };
  }

  /** Answers the platform once with the chosen media: where to POST and the signed JWT. */
  async choose(
    id: string,
    secret: string,
    mediaId: string,
    launchUrl: string,
  ): Promise<{ returnUrl: string; jwt: string }> {
    const link = await this.openLink(id, secret);
    const media = await this.deps.repos.media.get(link.tenant_id, mediaId);
    if (!media) throw new ApiError('not_found', 'media not found');
    const platform = await this.deps.repos.ltiPlatforms.getById(link.platform_id);
    if (!platform) throw new LtiRefusal('lti_unknown_platform', 'the platform is no longer registered');
    if (!(await this.deps.repos.ltiLaunches.useDeepLink(link.id, this.now()))) {
      throw new LtiRefusal('lti_deep_link_used', 'a video was placed from this picker already');
    }
    const target = new URL(launchUrl);
    target.searchParams.set('media', media.id);
    const jwt = await this.deps.toolKeys.sign(
      {
        nonce: randomToken(16),
        [CLAIM.messageType]: 'LtiDeepLinkingResponse',
        [CLAIM.version]: '1.3.0',
        [CLAIM.deploymentId]: link.deployment_id,
        [CLAIM.contentItems]: [
          {
            type: 'ltiResourceLink',
            title: media.title || 'Video',
            url: target.toString(),
            custom: { kino_media_id: media.id },
          },
        ],
        ...(link.data !== null && { [CLAIM.deepLinkData]: link.data }),
      },
      { issuer: platform.client_id, audience: platform.issuer, expiresInSeconds: 600 },
    );
    return { returnUrl: link.return_url, jwt };
  }

  private async openLink(id: string, secret: string): Promise<LtiDeepLinkRow> {
    const link = await this.deps.repos.ltiLaunches.getDeepLink(id);
    const expected = Buffer.from(link?.secret_hash ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(digestOf(secret), 'hex');
    if (!link || !timingSafeEqual(expected, given))
      throw new ApiError('not_found', 'this picker does not exist');
    if (link.used_at !== null)
      throw new LtiRefusal('lti_deep_link_used', 'a video was placed from this picker already');
    if (link.expires_at <= this.now())
      throw new LtiRefusal('lti_invalid_state', 'this picker has expired: open it again from the LMS');
    return link;
  }
}
