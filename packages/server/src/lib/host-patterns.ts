import { domainToASCII } from 'node:url';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/**
 * A referrer domain rule in its stored form: `example.com` is that host only, `*.example.com` any
 * host below it (not `example.com` itself: list both for both). Unicode names become punycode, as
 * browsers send them; null when the text is not such a rule.
 */
export function normalizeHostPattern(text: string): string | null {
  const trimmed = text.trim().toLowerCase();
  // domainToASCII parses a URL host: anything it would cut off (a path, a port) is refused first.
  if (/[\s/\\:?#@[\]%]/.test(trimmed)) return null;
  const wildcard = trimmed.startsWith('*.');
  const host = domainToASCII(wildcard ? trimmed.slice(2) : trimmed);
  if (!HOST.test(host)) return null;
  return wildcard ? `*.${host}` : host;
}

/** Whether a host (lowercase, as URL.hostname gives it) matches one of the normalized patterns. */
export function hostMatches(patterns: readonly string[], host: string): boolean {
  for (const pattern of patterns) {
    if (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern) return true;
  }
  return false;
}

/**
 * The host of a Referer header: null when there is none, '' when it names no http(s) host (which
 * no rule allows).
 */
export function referrerHost(header: string | undefined): string | null {
  if (header === undefined || header === '') return null;
  try {
    const url = new URL(header);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.hostname : '';
  } catch {
    return '';
  }
}
