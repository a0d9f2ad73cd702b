import { expect } from 'vitest';
import { startMediaKino, type MediaBackend, type MediaKino } from '../media-kino.ts';

export interface LiveKino extends MediaKino {
  baseUrl: string;
  rtmpPort: number;
  srtPort: number;
}

/** A Kino on `backend` listening for HTTP, RTMP and SRT on free loopback ports, its worker running. */
export async function startLiveKino(backend: MediaBackend): Promise<LiveKino> {
  const kino = await startMediaKino(backend);
  await kino.live.listen('127.0.0.1', 0, 0);
  await kino.app.listen({ port: 0, host: '127.0.0.1' });
  const address = kino.app.server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  const rtmpPort = kino.live.ingest?.rtmpPort ?? 0;
  const srtPort = kino.live.ingest?.srtPort ?? 0;
  return { ...kino, baseUrl: `http://127.0.0.1:${port}`, rtmpPort, srtPort };
}

export interface StreamJson {
  id: string;
  status: string;
  streamKey?: string;
  ingest: { rtmpServer: string | null; rtmpUrl: string | null; srtUrl: string | null };
  playback: { hls: string; dash: string; embed: string };
  activeMediaId: string | null;
  recentMediaIds: string[];
  error: { code: string; message: string } | null;
}

export async function createStream(kino: LiveKino, key: string, body: Record<string, unknown> = {}) {
  const res = await kino.call(key, 'POST', '/v1/live-streams', body);
  expect(res.statusCode, res.body).toBe(201);
  const stream = res.json<StreamJson>();
  return {
    ...stream,
    url: `rtmp://127.0.0.1:${kino.rtmpPort}/live/${stream.streamKey}`,
    srtUrl: `srt://127.0.0.1:${kino.srtPort}?streamid=publish:${stream.streamKey}`,
  };
}

export async function getStream(kino: LiveKino, key: string, id: string): Promise<StreamJson> {
  const res = await kino.call(key, 'GET', `/v1/live-streams/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<StreamJson>();
}

/** Polls `probe` every 200 ms until it returns a value (not undefined), or fails after `ms`. */
export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The playlist's segments: each with its discontinuity flag and EXTINF seconds. */
export function playlistSegments(text: string) {
  const segments: { uri: string; seconds: number; discontinuity: boolean }[] = [];
  let seconds = 0;
  let discontinuity = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXTINF:')) seconds = Number(line.slice(8).split(',')[0]);
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line && !line.startsWith('#')) {
      segments.push({ uri: line, seconds, discontinuity });
      discontinuity = false;
    }
  }
  return segments;
}
