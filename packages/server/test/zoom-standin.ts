import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { zoomSignature } from '../src/zoom/zoom-signature.ts';

/**
 * A local stand-in for Zoom (there is no internet here), built from Zoom's documented payloads:
 * - the Server-to-Server OAuth token endpoint: POST /oauth/token?grant_type=account_credentials&account_id=…
 *   with Basic client_id:client_secret -> { access_token, token_type, expires_in, scope };
 * - the list-recordings API: GET /v2/users/{userId}/recordings?from=&to=&page_size=&next_page_token=
 *   (Bearer access token) -> { from, to, page_count, page_size, total_records, next_page_token, meetings };
 * - recording files: GET /rec/download/{fileId}?access_token=<download token or access token>,
 *   with Range support (downloads resume);
 * - webhooks it sends: `recording.completed` and `endpoint.url_validation`, signed with
 *   x-zm-signature = v0=HMAC-SHA256(secret token, "v0:" + x-zm-request-timestamp + ":" + body).
 */
export interface StandinFile {
  id: string;
  fileType: 'MP4' | 'M4A' | 'TRANSCRIPT' | 'CHAT' | 'TIMELINE';
  recordingType: string;
  /** Path of the bytes served, or the text itself. */
  path?: string;
  text?: string;
}

export interface StandinMeeting {
  uuid: string;
  id: number;
  topic: string;
  hostEmail: string;
  hostId: string;
  startTime: string;
  durationMinutes: number;
  files: StandinFile[];
}

export interface ZoomStandin {
  apiUrl: string;
  oauthUrl: string;
  account: { accountId: string; clientId: string; clientSecret: string };
  meetings: StandinMeeting[];
  /** Requests for recording files, with their Range header (to see resumes). */
  downloads: { fileId: string; range: string | undefined; token: string | null }[];
  /** Cuts the next download of this file after this many bytes (a dropped connection). */
  cutNextDownload(fileId: string, afterBytes: number): void;
  /** recording.completed as Zoom sends it, for one of `meetings`. */
  recordingCompletedBody(meeting: StandinMeeting): string;
  /** Signs and POSTs a body to a webhook URL as Zoom does; returns what a replay would need too. */
  send(
    url: string,
    secretToken: string,
    rawBody: string,
    opts?: { timestamp?: number; signature?: string },
  ): Promise<{ status: number; json: unknown; headers: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startZoomStandin(): Promise<ZoomStandin> {
  const account = {
    accountId: 'acct_standin',
    clientId: 'client_standin',
    clientSecret: randomBytes(16).toString('hex'),
  };
  const accessTokens = new Set<string>();
  const downloadTokens = new Set<string>();
  const cuts = new Map<string, number>();
  const meetings: StandinMeeting[] = [];
  const downloads: ZoomStandin['downloads'] = [];
  let base = '';

  const fileJson = (meeting: StandinMeeting, f: StandinFile) => {
    const bytes = f.path ? readFileSync(f.path) : Buffer.from(f.text ?? '');
    return {
      id: f.id,
      meeting_id: meeting.uuid,
      recording_start: meeting.startTime,
      recording_end: new Date(Date.parse(meeting.startTime) + meeting.durationMinutes * 60_000).toISOString(),
      file_type: f.fileType,
      file_extension: f.fileType === 'TRANSCRIPT' ? 'VTT' : f.fileType === 'MP4' ? 'MP4' : 'TXT',
      file_size: bytes.length,
      play_url: `${base}/rec/play/${f.id}`,
      download_url: `${base}/rec/download/${f.id}`,
      status: 'completed',
      recording_type: f.recordingType,
    };
  };
  const meetingJson = (m: StandinMeeting, withHostEmail: boolean) => ({
    uuid: m.uuid,
    id: m.id,
    account_id: account.accountId,
    host_id: m.hostId,
    ...(withHostEmail && { host_email: m.hostEmail }),
    topic: m.topic,
    type: 2,
    start_time: m.startTime,
    timezone: 'UTC',
    duration: m.durationMinutes,
    total_size: 0,
    recording_count: m.files.length,
    share_url: `${base}/rec/share/${m.id}`,
    recording_files: m.files.map((f) => fileJson(m, f)),
  });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      const basic = Buffer.from(`${account.clientId}:${account.clientSecret}`).toString('base64');
      if (
        req.headers.authorization !== `Basic ${basic}` ||
        url.searchParams.get('grant_type') !== 'account_credentials' ||
        url.searchParams.get('account_id') !== account.accountId
      ) {
        send(400, { reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
        return;
      }
      const token = `at_${randomBytes(12).toString('hex')}`;
      accessTokens.add(token);
      send(200, {
        access_token: token,
        token_type: 'bearer',
        expires_in: 3599,
        scope: 'cloud_recording:read:list_user_recordings:admin',
      });
      return;
    }
    const list = /^\/v2\/users\/([^/]+)\/recordings$/.exec(url.pathname);
    if (req.method === 'GET' && list) {
      const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (!accessTokens.has(bearer)) {
        send(401, { code: 124, message: 'Invalid access token.' });
        return;
      }
      const userId = decodeURIComponent(list[1] ?? '');
      const from = url.searchParams.get('from') ?? '';
      const to = url.searchParams.get('to') ?? '';
      const pageSize = Math.min(Number(url.searchParams.get('page_size') ?? 30), 300);
      // The stand-in pages two meetings at a time whatever page_size says, so paging is exercised.
      const size = Math.min(pageSize, 2);
      const offset = Number(url.searchParams.get('next_page_token') || 0);
      const matching = meetings.filter(
        (m) =>
          (userId === 'me' || userId === m.hostEmail || userId === m.hostId) &&
          m.startTime.slice(0, 10) >= from &&
          m.startTime.slice(0, 10) <= to,
      );
      const page = matching.slice(offset, offset + size);
      const next = offset + size < matching.length ? String(offset + size) : '';
      send(200, {
        from,
        to,
        page_count: Math.ceil(matching.length / size),
        page_size: pageSize,
        total_records: matching.length,
        next_page_token: next,
        meetings: page.map((m) => meetingJson(m, false)),
      });
      return;
    }
    const download = /^\/rec\/download\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && download) {
      const fileId = download[1] ?? '';
      const token = url.searchParams.get('access_token');
      downloads.push({ fileId, range: req.headers.range, token });
      if (!token || !(downloadTokens.has(token) || accessTokens.has(token))) {
        send(401, { code: 124, message: 'Invalid access token.' });
        return;
      }
      const file = meetings.flatMap((m) => m.files).find((f) => f.id === fileId);
      if (!file) {
        send(404, { code: 3301, message: 'This recording does not exist.' });
        return;
      }
      const bytes = file.path ? readFileSync(file.path) : Buffer.from(file.text ?? '');
      const type = file.fileType === 'TRANSCRIPT' ? 'text/vtt' : 'video/mp4';
      const etag = `"${fileId}-${bytes.length}"`;
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range && req.headers['if-range'] === etag ? Number(range[1]) : 0;
      const body = bytes.subarray(start);
      const headers: Record<string, string> = {
        'content-type': type,
        'accept-ranges': 'bytes',
        etag,
        'content-length': String(body.length),
      };
      if (start > 0) headers['content-range'] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
      res.writeHead(start > 0 ? 206 : 200, headers);
      const cut = cuts.get(fileId);
      if (cut !== undefined && cut < body.length) {
        cuts.delete(fileId);
        res.write(body.subarray(0, cut), () => res.destroy());
        return;
      }
      res.end(body);
      return;
    }
    send(404, { code: 404, message: 'Not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${base}/v2`,
    oauthUrl: base,
    account,
    meetings,
    downloads,
    cutNextDownload(fileId, afterBytes) {
      cuts.set(fileId, afterBytes);
    },
    recordingCompletedBody(meeting) {
      const downloadToken = `dt_${randomBytes(16).toString('hex')}`;
      downloadTokens.add(downloadToken);
      return JSON.stringify({
        event: 'recording.completed',
        event_ts: Date.now(),
        payload: { account_id: account.accountId, object: meetingJson(meeting, true) },
        download_token: downloadToken,
      });
    },
    async send(url, secretToken, rawBody, opts = {}) {
      const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Zoom Marketplace/1.0a',
          'x-zm-request-timestamp': timestamp,
          'x-zm-signature': opts.signature ?? zoomSignature(secretToken, timestamp, rawBody),
        },
        body: rawBody,
      });
      const text = await res.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {
        // left as text
      }
      return {
        status: res.status,
        json,
        headers: { 'x-zm-request-timestamp': timestamp },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
