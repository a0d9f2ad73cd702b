import { createHash } from 'node:crypto';
import { ApiError } from '../http/problem.ts';
import { newId, randomToken } from '../lib/ids.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { LtiClaimError, mayPlaceMedia, readLtiMessage, type LtiMessage } from './lti-claims.ts';
import type { PlatformTokenVerifier } from './lti-id-token.ts';
import type { LtiPlatformRow } from './lti-platforms.repository.ts';

/** A login initiation's state launches within this time. */
const LOGIN_STATE_MS = 10 * 60_000;
/** A Deep Linking picker stays usable this long. */
const DEEP_LINK_MS = 60 * 60_000;
/** How long a learner's launch plays the media. */
export const LAUNCH_PLAYBACK_SECONDS = 6 * 3600;

export interface LoginRequest {
  iss: string;
  login_hint: string;
  target_link_uri: string;
  lti_message_hint?: string | undefined;
  client_id?: string | undefined;
  lti_deployment_id?: string | undefined;
  lti_storage_target?: string | undefined;
}

export interface LoginAnswer {
  /** The platform's OIDC authorization URL with Kino's state and nonce. */
  authUrl: string;
  state: string;
  /** When the platform offered client-side storage: its frame's name and origin. */
  storage: { target: string; origin: string } | null;
}

export type LaunchAnswer =
  | { kind: 'play'; mediaId: string; title: string; expiresAt: number; storage: ClientStorageCheck | null }
  | { kind: 'pick'; deepLinkId: string; secret: string; storage: ClientStorageCheck | null };

/** What the launch page asks the platform's storage frame before going on. */
export interface ClientStorageCheck {
  target: string;
  origin: string;
  key: string;
  state: string;
}

/** Refused LTI input: a code for people and tests, the reason for the log. */
export class LtiRefusal extends ApiError {
  override name = 'LtiRefusal';
}

export const storageKeyOf = (state: string) => `kino_state_${state.slice(0, 16)}`;
export const digestOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * The LTI 1.3 tool's launches: login initiation (state and nonce kept server-side, keyed by the
 * state, so no cookie is needed), the launch (id_token verified, state used once), what the launch
 * opens (the player of a media, or the Deep Linking picker), with the launch recorded for its course.
 */
export class LtiLaunchService {
  private readonly now: () => number;

  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'ltiPlatforms' | 'ltiLaunches' | 'media'>;
      verifier: PlatformTokenVerifier;
      now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
  }

  async login(request: LoginRequest, launchUrl: string): Promise<LoginAnswer> {
    const platform = await this.platformOf(request.iss, request.client_id);
    if (
      request.lti_deployment_id !== undefined &&
      !deploymentsOf(platform).includes(request.lti_deployment_id)
    ) {
      throw new LtiRefusal(
        'lti_unknown_deployment',
        `deployment ${request.lti_deployment_id} is not registered`,
      );
    }
    if (!isHttpUrl(request.target_link_uri)) {
      throw new LtiRefusal('lti_invalid_state', 'target_link_uri is not an http(s) URL');
    }
    const now = this.now();
    const state = randomToken(24);
    const nonce = randomToken(24);
    const storageTarget = request.lti_storage_target?.slice(0, 200) ?? null;
    await this.deps.repos.ltiLaunches.pruneLoginStates(now - 24 * 3600_000);
    await this.deps.repos.ltiLaunches.addLoginState({
      state,
      platform_id: platform.id,
      nonce,
      target_link_uri: request.target_link_uri,
      storage_target: storageTarget,
      created_at: now,
      expires_at: now + LOGIN_STATE_MS,
      used_at: null,
    });
    const auth = new URL(platform.auth_login_url);
    const params: Record<string, string> = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: platform.client_id,
      redirect_uri: launchUrl,
      login_hint: request.login_hint,
      state,
      nonce,
      ...(request.lti_message_hint !== undefined && { lti_message_hint: request.lti_message_hint }),
    };
    for (const [name, value] of Object.entries(params)) auth.searchParams.set(name, value);
    return {
      authUrl: auth.toString(),
      state,
      storage: storageTarget === null ? null : { target: storageTarget, origin: auth.origin },
    };
  }

  /** Checks a launch (id_token + state) and says what it opens; every refusal is an LtiRefusal. */
  async launch(form: { id_token?: string | undefined; state?: string | undefined }): Promise<LaunchAnswer> {
    if (!form.id_token || !form.state)
      throw new LtiRefusal('lti_invalid_state', 'the launch has no id_token or state');
    const now = this.now();
    const login = await this.deps.repos.ltiLaunches.getLoginState(form.state);
    if (!login)
      throw new LtiRefusal('lti_invalid_state', 'the state is unknown: start the launch from the LMS again');
    if (login.used_at !== null) throw new LtiRefusal('lti_replayed', 'this launch was used already');
    if (login.expires_at <= now)
      throw new LtiRefusal('lti_invalid_state', 'the launch took too long: start it again');
    const platform = await this.deps.repos.ltiPlatforms.getById(login.platform_id);
    if (!platform) throw new LtiRefusal('lti_unknown_platform', 'the platform is no longer registered');

    const verdict = await this.deps.verifier.verify(form.id_token, {
      issuer: platform.issuer,
      clientId: platform.client_id,
      jwksUrl: platform.jwks_url,
    });
    if (!verdict.ok) throw new LtiRefusal(verdict.code, verdict.reason);
    if (verdict.payload.nonce !== login.nonce) {
      throw new LtiRefusal('lti_invalid_id_token', "the id_token's nonce is not the one Kino sent");
    }
    let message: LtiMessage;
    try {
      message = readLtiMessage(verdict.payload);
    } catch (err) {
      if (err instanceof LtiClaimError) throw new LtiRefusal('lti_invalid_id_token', err.message);
      throw err;
    }
    if (!deploymentsOf(platform).includes(message.deploymentId)) {
      throw new LtiRefusal('lti_unknown_deployment', `deployment ${message.deploymentId} is not registered`);
    }
    // The nonce and its state are good once: a second post of the same launch is a replay.
    if (!(await this.deps.repos.ltiLaunches.useLoginState(login.state, now))) {
      throw new LtiRefusal('lti_replayed', 'this launch was used already');
    }
    const storage =
      login.storage_target === null
        ? null
        : {
            target: login.storage_target,
            origin: new URL(platform.auth_login_url).origin,
            key: storageKeyOf(login.state),
            state: login.state,
          };
    return message.type === 'LtiDeepLinkingRequest'
      ? { ...(await this.openPicker(platform, message, now)), storage }
      : { ...(await this.openPlayer(platform, message, now)), storage };
  }

  private async openPlayer(
    platform: LtiPlatformRow,
    message: Extract<LtiMessage, { type: 'LtiResourceLinkRequest' }>,
    now: number,
  ): Promise<Omit<Extract<LaunchAnswer, { kind: 'play' }>, 'storage'>> {
    const media =
      message.mediaId === null
        ? undefined
        : await this.deps.repos.media.get(platform.tenant_id, message.mediaId);
    if (!media)
      throw new ApiError(
        'not_found',
        'the video of this link is not in Kino (deleted, or another organisation’s)',
      );
    await this.record(platform, message, now, { resourceLinkId: message.resourceLinkId, mediaId: media.id });
    return {
      kind: 'play',
      mediaId: media.id,
      title: media.title,
      expiresAt: Math.floor(now / 1000) + LAUNCH_PLAYBACK_SECONDS,
    };
  }

  private async openPicker(
    platform: LtiPlatformRow,
    message: Extract<LtiMessage, { type: 'LtiDeepLinkingRequest' }>,
    now: number,
  ): Promise<Omit<Extract<LaunchAnswer, { kind: 'pick' }>, 'storage'>> {
    if (!mayPlaceMedia(message.role)) {
      throw new LtiRefusal('lti_role_forbidden', 'only instructors and administrators may place videos');
    }
    await this.record(platform, message, now, { resourceLinkId: null, mediaId: null });
    const secret = randomToken(24);
    const id = newId('ldl', now);
    await this.deps.repos.ltiLaunches.addDeepLink({
      id,
      secret_hash: digestOf(secret),
      tenant_id: platform.tenant_id,
      platform_id: platform.id,
      deployment_id: message.deploymentId,
      return_url: message.returnUrl,
      data: message.data,
      role: message.role,
      context_id: message.context?.id ?? null,
      created_at: now,
      expires_at: now + DEEP_LINK_MS,
      used_at: null,
    });
    return { kind: 'pick', deepLinkId: id, secret };
  }

  private async record(
    platform: LtiPlatformRow,
    message: LtiMessage,
    now: number,
    link: { resourceLinkId: string | null; mediaId: string | null },
  ): Promise<void> {
    await this.deps.repos.ltiLaunches.recordLaunch({
      id: newId('lla', now),
      tenant_id: platform.tenant_id,
      platform_id: platform.id,
      deployment_id: message.deploymentId,
      message_type: message.type,
      user_sub: message.subject,
      role: message.role,
      context_id: message.context?.id ?? null,
      context_title: message.context?.title ?? null,
      resource_link_id: link.resourceLinkId,
      media_id: link.mediaId,
      created_at: now,
    });
  }

  private async platformOf(issuer: string, clientId: string | undefined): Promise<LtiPlatformRow> {
    const candidates = (await this.deps.repos.ltiPlatforms.listByIssuer(issuer)).filter(
      (p) => clientId === undefined || p.client_id === clientId,
    );
    const [platform, ...more] = candidates;
    if (!platform)
      throw new LtiRefusal('lti_unknown_platform', `no platform ${issuer} with this client id is registered`);
    if (more.length > 0)
      throw new LtiRefusal('lti_unknown_platform', 'several registrations share this issuer: send client_id');
    return platform;
  }
}

export function deploymentsOf(platform: Pick<LtiPlatformRow, 'deployment_ids'>): string[] {
  return JSON.parse(platform.deployment_ids) as string[];
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
