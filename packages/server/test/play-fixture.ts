import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../src/config/config.ts';
import type { Visibility } from '../src/db/schema.ts';
import type { PlaybackIndex } from '../src/media/playback-index.ts';
import { createKino, type Kino } from '../src/system/kino.ts';
import { freshDatabaseConfig } from './databases.ts';
import { OPERATOR_KEY } from './test-kino.ts';

export interface PlayKino extends Kino {
  /** A request in process; `headers` may carry a bearer key as `authorization`. */
  request(
    method: 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT',
    url: string,
    opts?: { headers?: Record<string, string>; body?: unknown; remoteAddress?: string },
  ): Promise<LightMyRequestResponse>;
  tenant(name?: string): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

/** A Kino for /play tests: SQLite, no worker, with `env` (KINO_*) on top of a fresh data folder. */
export async function startPlayKino(
  env: Record<string, string> = {},
  overrides: Partial<Config> = {},
): Promise<PlayKino> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-play-'));
  const config: Config = {
    ...loadConfig({ KINO_DATA_DIR: dataDir, KINO_ROLES: 'api', ...env }),
    database: await freshDatabaseConfig('sqlite'),
    ...overrides,
  };
  const kino = await createKino(config, { operatorKey: OPERATOR_KEY });
  const request: PlayKino['request'] = (method, url, opts = {}) =>
    kino.app.inject({
      method,
      url,
      headers: opts.headers ?? {},
      ...(opts.remoteAddress !== undefined && { remoteAddress: opts.remoteAddress }),
      ...(opts.body !== undefined && { payload: opts.body as Record<string, unknown> }),
    });
  return {
    ...kino,
    request,
    async tenant(name = 'acme') {
      const res = await request('POST', '/v1/tenants', {
        headers: { authorization: `Bearer ${OPERATOR_KEY}` },
        body: { name },
      });
      if (res.statusCode !== 201) throw new Error(`tenant creation answered ${res.statusCode}: ${res.body}`);
      const json = res.json<{ id: string; apiKey: string }>();
      return { id: json.id, key: json.apiKey };
    },
    async close() {
      await kino.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PublishedMedia {
  id: string;
  version: string;
  /** Every stored file of the version by name (index.json included), as stored. */
  files: Map<string, Buffer>;
  index: PlaybackIndex;
}

/**
 * A media published without processing: random bytes laid out as a version (two renditions in
 * byte-range segments, poster, storyboard sheet, download) and the index that lists them, made
 * current the way processing publishes. Random bytes make any misplaced byte range visible.
 */
export async function publishMedia(
  kino: PlayKino,
  tenant: { id: string; key: string },
  opts: { visibility?: Visibility; version?: string } = {},
): Promise<PublishedMedia> {
  const created = await kino.request('POST', '/v1/media', {
    headers: { authorization: `Bearer ${tenant.key}` },
    body: { title: 'synthetic', visibility: opts.visibility ?? 'public' },
  });
  if (created.statusCode !== 201) throw new Error(`media creation answered ${created.statusCode}`);
  const id = created.json<{ id: string }>().id;
  const version = opts.version ?? 'job_synthetic-1';
  const segments = (init: number, lengths: number[]) => {
    let offset = init;
    return lengths.map((length) => {
      const s = { duration: 2, offset, length };
      offset += length;
      return s;
    });
  };
  const video = segments(700, [40_000, 35_000, 20_000]);
  const audio = segments(500, [8_000, 7_000, 3_000]);
  const index: PlaybackIndex = {
    durationSeconds: 6,
    renditions: [
      {
        id: 'video-180p',
        kind: 'video',
        file: 'video-180p.mp4',
        codec: 'avc1.64000d',
        width: 320,
        height: 180,
        frameRate: 30,
        index: { initLength: 700, segments: video },
      },
      {
        id: 'audio',
        kind: 'audio',
        file: 'audio.mp4',
        codec: 'mp4a.40.2',
        width: null,
        height: null,
        frameRate: null,
        index: { initLength: 500, segments: audio },
      },
    ],
    poster: 'poster.jpg',
    storyboard: {
      sheets: ['storyboard-0.jpg'],
      intervalSeconds: 2,
      tileWidth: 160,
      tileHeight: 90,
      columns: 3,
      perSheet: 3,
      count: 3,
    },
    download: 'download.mp4',
  };
  const end = (list: { offset: number; length: number }[]) =>
    (list.at(-1)?.offset ?? 0) + (list.at(-1)?.length ?? 0);
  const files = new Map<string, Buffer>([
    ['video-180p.mp4', randomBytes(end(video))],
    ['audio.mp4', randomBytes(end(audio))],
    ['poster.jpg', randomBytes(3_000)],
    ['storyboard-0.jpg', randomBytes(5_000)],
    ['download.mp4', randomBytes(120_000)],
    ['index.json', Buffer.from(JSON.stringify(index))],
  ]);
  const prefix = `media/${tenant.id}/${id}/${version}/`;
  for (const [name, bytes] of files) await kino.storage.put(prefix + name, bytes);
  await kino.repos.media.transition(tenant.id, id, {
    playback_prefix: prefix,
    playback_index: 'index.json',
    renditions: '[]',
    playable: 1,
    status: 'ready',
    duration_seconds: index.durationSeconds,
    width: 320,
    height: 180,
    updated_at: Date.now(),
  });
  return { id, version, files, index };
}
