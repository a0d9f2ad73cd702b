import type { PlaybackRules } from '../tenants/playback-rules.ts';
import { AddressList } from '../lib/address-list.ts';
import { hostMatches } from '../lib/host-patterns.ts';

/** Who asks for playback: the client address and the page it plays on, as the request shows them. */
export interface Viewer {
  /** The client address (X-Forwarded-For only when a trusted proxy set it). */
  ip: string;
  /** The Referer's host: null without one, '' for one that names no http(s) host. */
  referrerHost: string | null;
  /** Kino's own host: its pages (the embed page) play its media whatever the rules. */
  ownHost: string;
}

/** A tenant's rules made ready to check on every request. */
export interface ViewerRules {
  referrers: readonly string[];
  allowMissingReferrer: boolean;
  allow: AddressList | null;
  deny: AddressList | null;
  /** Whether any rule applies: answers then depend on who asks, so shared caches must not keep them. */
  restrictive: boolean;
}

export function compileViewerRules(rules: PlaybackRules): ViewerRules {
  return {
    referrers: rules.allowedReferrers,
    allowMissingReferrer: rules.allowMissingReferrer,
    allow: rules.ipAllow.length > 0 ? new AddressList(rules.ipAllow) : null,
    deny: rules.ipDeny.length > 0 ? new AddressList(rules.ipDeny) : null,
    restrictive: rules.allowedReferrers.length > 0 || rules.ipAllow.length > 0 || rules.ipDeny.length > 0,
  };
}

/** Whether the viewer's page is one of `patterns` (Kino's own pages always are). */
export function referrerAllowed(
  patterns: readonly string[],
  allowMissing: boolean,
  viewer: Pick<Viewer, 'referrerHost' | 'ownHost'>,
): boolean {
  const host = viewer.referrerHost;
  if (host === null) return allowMissing;
  if (host === '') return false;
  return host === viewer.ownHost || hostMatches(patterns, host);
}

/** The stable code of the rule that refuses this viewer, or null when the rules let it play. */
export function refusalOf(
  rules: ViewerRules,
  viewer: Viewer,
): 'ip_not_allowed' | 'referrer_not_allowed' | null {
  if (rules.deny?.has(viewer.ip) || (rules.allow && !rules.allow.has(viewer.ip))) return 'ip_not_allowed';
  if (rules.referrers.length > 0 && !referrerAllowed(rules.referrers, rules.allowMissingReferrer, viewer)) {
    return 'referrer_not_allowed';
  }
  return null;
}
