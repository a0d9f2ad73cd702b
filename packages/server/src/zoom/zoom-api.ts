import { zoomRecordingsPage, zoomTokenResponse, type ZoomMeetingRecording } from './zoom-payloads.ts';

/** Where Zoom is: its REST API (`https://api.zoom.us/v2`) and OAuth (`https://zoom.us`) bases. */
export interface ZoomEndpoints {
  apiUrl: string;
  oauthUrl: string;
}

export interface ZoomCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

export class ZoomApiError extends Error {
  override name = 'ZoomApiError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/**
 * A Server-to-Server OAuth access token: POST /oauth/token?grant_type=account_credentials with
 * the app's client id and secret as Basic credentials. Valid about an hour.
 */
export async function zoomAccessToken(
  endpoints: ZoomEndpoints,
  creds: ZoomCredentials,
  signal?: AbortSignal,
) {
  const url = new URL(`${endpoints.oauthUrl}/oauth/token`);
  url.searchParams.set('grant_type', 'account_credentials');
  url.searchParams.set('account_id', creds.accountId);
  const basic = Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64');
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
    signal: signal ?? AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new ZoomApiError(`Zoom refused the app's credentials (HTTP ${res.status})`, res.status);
  const parsed = zoomTokenResponse.safeParse(await res.json().catch(() => null));
  if (!parsed.success)
    throw new ZoomApiError('Zoom answered the token request with something else', res.status);
  return parsed.data.access_token;
}

export interface RecordingsQuery {
  /** A Zoom user id or email, or `me`. */
  userId: string;
  /** YYYY-MM-DD, inclusive. Zoom answers at most a month per request; longer ranges are split. */
  from: string;
  to: string;
}

/**
 * Every meeting with cloud recordings of a user between two dates, page by page
 * (GET /users/{userId}/recordings with from, to, page_size and next_page_token), a month per range.
 */
export async function* listZoomRecordings(
  endpoints: ZoomEndpoints,
  accessToken: string,
  query: RecordingsQuery,
  signal?: AbortSignal,
): AsyncGenerator<ZoomMeetingRecording> {
  for (const range of monthRanges(query.from, query.to)) {
    let pageToken = '';
    do {
      const url = new URL(`${endpoints.apiUrl}/users/${encodeURIComponent(query.userId)}/recordings`);
      url.searchParams.set('from', range.from);
      url.searchParams.set('to', range.to);
      url.searchParams.set('page_size', '300');
      if (pageToken) url.searchParams.set('next_page_token', pageToken);
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: signal ?? AbortSignal.timeout(60_000),
      });
      if (!res.ok)
        throw new ZoomApiError(`Zoom's list of recordings answered HTTP ${res.status}`, res.status);
      const page = zoomRecordingsPage.safeParse(await res.json().catch(() => null));
      if (!page.success)
        throw new ZoomApiError("Zoom's list of recordings is not what Zoom documents", res.status);
      yield* page.data.meetings;
      pageToken = page.data.next_page_token ?? '';
    } while (pageToken);
  }
}

/** Splits [from, to] (YYYY-MM-DD) into ranges of at most 30 days, the longest Zoom lists at once. */
export function monthRanges(from: string, to: string): { from: string; to: string }[] {
  const day = 86_400_000;
  const end = Date.parse(`${to}T00:00:00Z`);
  const ranges: { from: string; to: string }[] = [];
  for (let start = Date.parse(`${from}T00:00:00Z`); start <= end; start += 30 * day) {
    const last = Math.min(start + 29 * day, end);
    ranges.push({ from: isoDay(start), to: isoDay(last) });
  }
  return ranges;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
