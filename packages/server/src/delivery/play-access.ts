import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/problem.ts';
import { referrerHost } from '../lib/host-patterns.ts';
import type { PlaybackRulesCache } from './playback-rules-cache.ts';
import type { PlaybackService } from './playback.service.ts';
import type { PlaybackClaims } from './playback-token.ts';
import { referrerAllowed, refusalOf, type Viewer } from './viewer-rules.ts';
import type { PlayableMedia } from './playable-media.repository.ts';

export interface PlayAccessDeps {
  playback: PlaybackService;
  rules: PlaybackRulesCache;
  /** KINO_PUBLIC_URL: its host is Kino's own (the embed page's); without it, the request's Host. */
  publicUrl?: string | undefined;
}

/** What a request may play, once admitted. */
export interface Admission {
  /** The token's claims, when the request carried one. */
  claims: PlaybackClaims | null;
  /** Answers depend on who asks (token, private media, tenant rules): shared caches must not keep them. */
  restricted: boolean;
}

const REFUSALS = {
  ip_not_allowed: 'this address may not play this media',
  referrer_not_allowed: 'this page may not play this media',
} as const;

/**
 * The gate in front of /play and /embed: the tenant's rules first (public media too), then the
 * token, which private media need and which opens only the media it names. Throws the ApiError
 * to answer with.
 */
export async function admit(
  deps: PlayAccessDeps,
  request: FastifyRequest,
  media: PlayableMedia,
  token: string | null,
  /** The version a request inside one names (a session grant opens only that one). */
  version?: string,
): Promise<Admission> {
  const viewer = viewerOf(request, deps.publicUrl);
  const rules = await deps.rules.get(media.tenant_id);
  const refusal = refusalOf(rules, viewer);
  if (refusal) throw new ApiError(refusal, REFUSALS[refusal]);
  let claims: PlaybackClaims | null = null;
  if (token !== null || media.visibility === 'private') {
    if (token === null) {
      throw new ApiError('playback_token_required', 'this media is private: use a playback token URL');
    }
    const verdict = await deps.playback.verifyToken(token, {
      mediaId: media.id,
      liveStreamId: media.live_stream_id ?? undefined,
      tenantId: media.tenant_id,
      ip: viewer.ip,
      // A token bound to pages refuses a request without a Referer, whatever the tenant allows.
      referrerAllowed: (patterns) => referrerAllowed(patterns, false, viewer),
      version,
    });
    if (!verdict.ok) throw invalidToken(verdict.reason);
    claims = verdict.claims;
  }
  return {
    claims,
    restricted: token !== null || media.visibility === 'private' || rules.restrictive,
  };
}

/** The refusal of a token, with the reason clients see. */
export function invalidToken(reason: string): ApiError {
  return new ApiError('invalid_playback_token', `the playback token is not valid (${reason})`, { reason });
}

/**
 * Until when (Unix seconds) the request's token or grant opens a file: a session grant opens what
 * is part of playing its version until the grant's end, anything else only until the token that
 * started the session expires (grants without that time open nothing else).
 */
export function openUntil(claims: PlaybackClaims, partOfPlaying: boolean): number {
  if (claims.session === undefined || partOfPlaying) return claims.expiresAt;
  return Math.min(claims.expiresAt, claims.tokenExpiresAt ?? 0);
}

export function viewerOf(request: FastifyRequest, publicUrl: string | undefined): Viewer {
  return {
    ip: request.ip,
    referrerHost: referrerHost(request.headers.referer),
    ownHost: publicUrl ? new URL(publicUrl).hostname : request.hostname,
  };
}
