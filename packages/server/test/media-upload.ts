import fs from 'node:fs/promises';
import type { MediaJson } from '../src/media/media.schemas.ts';
import type { TestKino } from './test-kino.ts';

const TUS = { 'tus-resumable': '1.0.0' };

/**
 * Uploads a file through Kino's tus endpoint like any tus client: a creation request with
 * Upload-Length and Upload-Metadata, then PATCH requests of `chunkBytes` until the last byte.
 * Returns the id of the media the upload created (or filled).
 */
export async function tusUpload(
  baseUrl: string,
  key: string,
  file: string,
  metadata: Record<string, string> = {},
  opts: { chunkBytes?: number } = {},
): Promise<{ mediaId: string; uploadUrl: string }> {
  const bytes = await fs.readFile(file);
  const auth = { authorization: `Bearer ${key}` };
  const encoded = Object.entries(metadata)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
  const created = await fetch(`${baseUrl}/v1/uploads`, {
    method: 'POST',
    headers: {
      ...TUS,
      ...auth,
      'upload-length': String(bytes.length),
      ...(encoded && { 'upload-metadata': encoded }),
    },
  });
  const location = created.headers.get('location');
  const mediaId = created.headers.get('kino-media-id');
  if (created.status !== 201 || !location || !mediaId) {
    throw new Error(`tus creation answered ${created.status}: ${await created.text()}`);
  }
  await created.body?.cancel();
  const uploadUrl = new URL(location, `${baseUrl}/v1/uploads/`).toString();
  const chunk = opts.chunkBytes ?? 1024 * 1024;
  let offset = 0;
  while (offset < bytes.length) {
    const body = bytes.subarray(offset, Math.min(bytes.length, offset + chunk));
    const res = await fetch(uploadUrl, {
      method: 'PATCH',
      headers: {
        ...TUS,
        ...auth,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
      },
      body,
    });
    const next = Number(res.headers.get('upload-offset'));
    await res.body?.cancel();
    if (res.status !== 204 || next !== offset + body.length) {
      throw new Error(`tus PATCH at ${offset} answered ${res.status} (offset ${next})`);
    }
    offset = next;
  }
  return { mediaId, uploadUrl };
}

/** One observation of a media while waiting for it. */
export interface MediaObservation {
  at: number;
  status: MediaJson['status'];
  playable: boolean;
}

const TERMINAL = new Set(['ready', 'errored']);

/**
 * Polls the media API until every media is `ready` or `errored`, or the time is up; returns the
 * last state of each and every state change seen on the way.
 */
export async function waitForMedia(
  kino: TestKino,
  key: string,
  ids: readonly string[],
  opts: { timeoutMs: number; pollMs?: number },
): Promise<{ final: Map<string, MediaJson>; history: Map<string, MediaObservation[]> }> {
  const final = new Map<string, MediaJson>();
  const history = new Map<string, MediaObservation[]>(ids.map((id) => [id, []]));
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const pending = ids.filter((id) => !TERMINAL.has(final.get(id)?.status ?? ''));
    if (pending.length === 0 || Date.now() > deadline) break;
    for (const id of pending) {
      const res = await kino.call(key, 'GET', `/v1/media/${id}`);
      if (res.statusCode !== 200) throw new Error(`GET /v1/media/${id} answered ${res.statusCode}`);
      const media = res.json<MediaJson>();
      final.set(id, media);
      const seen = history.get(id) ?? [];
      const last = seen.at(-1);
      if (last?.status !== media.status || last.playable !== media.playable) {
        seen.push({ at: Date.now(), status: media.status, playable: media.playable });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 100));
  }
  return { final, history };
}
