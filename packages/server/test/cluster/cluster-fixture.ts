import { startCluster, type Cluster, type ClusterOptions } from '@kino/testkit/cluster';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.ts';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import type { PlaybackIndex } from '../../src/media/playback-index.ts';
import { createStorage } from '../../src/storage/create-storage.ts';
import type { Storage } from '../../src/storage/storage.ts';

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export interface Tenant {
  id: string;
  key: string;
}

/**
 * A cluster (PostgreSQL, S3, API processes behind nginx, workers) plus what tests need to look at
 * it: Kino's own storage adapter on the bucket, a connection to the database, and API calls
 * through nginx.
 */
export class ClusterFixture {
  private constructor(
    readonly cluster: Cluster,
    readonly storage: Storage,
    readonly db: pg.Pool,
  ) {}

  static async start(opts: ClusterOptions = {}): Promise<ClusterFixture> {
    // KINO_CLUSTER_KEEP=1 keeps the cluster's folder (every process's log) for a look afterwards.
    const keepDir = process.env.KINO_CLUSTER_KEEP === '1';
    const cluster = await startCluster({ stopGraceMs: 5_000, keepDir, ...opts });
    if (keepDir) console.info(`cluster folder: ${cluster.dir}`);
    // Kino's S3 adapter takes its credentials from the usual AWS variables.
    process.env.AWS_ACCESS_KEY_ID = cluster.storage.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = cluster.storage.secretAccessKey;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const { storage: s } = cluster;
    const storageUrl = `s3://${s.bucket}?endpoint=${encodeURIComponent(s.endpoint)}&region=${s.region}&forcePathStyle=true`;
    const storage = createStorage(loadConfig({ KINO_STORAGE_URL: storageUrl }).storage);
    const db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
    db.on('error', () => undefined);
    return new ClusterFixture(cluster, storage, db);
  }

  get url(): string {
    return this.cluster.url;
  }

  async stop(): Promise<void> {
    await this.db.end().catch(() => undefined);
    await this.cluster.stop();
  }

  /** One API call through nginx. */
  async call<T = unknown>(key: string, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async tenant(name: string): Promise<Tenant> {
    const res = await this.call<{ id: string; apiKey: string }>(
      this.cluster.operatorKey,
      'POST',
      '/v1/tenants',
      {
        name,
      },
    );
    if (res.status !== 201) throw new Error(`creating a tenant answered ${res.status}`);
    return { id: res.body.id, key: res.body.apiKey };
  }

  async media(key: string, id: string): Promise<MediaJson> {
    const res = await this.call<MediaJson>(key, 'GET', `/v1/media/${id}`);
    if (res.status !== 200) throw new Error(`GET /v1/media/${id} answered ${res.status}`);
    return res.body;
  }

  /** Every media of the key's tenant (the list, page by page). */
  async allMedia(key: string): Promise<MediaJson[]> {
    const all: MediaJson[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await this.call<{ items: MediaJson[]; nextCursor: string | null }>(
        key,
        'GET',
        `/v1/media?limit=200${query}`,
      );
      if (res.status !== 200) throw new Error(`GET /v1/media answered ${res.status}`);
      all.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return all;
  }

  /** Polls until every media is `ready` or `errored`; throws with their states when time runs out. */
  async settle(key: string, ids: readonly string[], timeoutMs: number): Promise<Map<string, MediaJson>> {
    const final = new Map<string, MediaJson>();
    const deadline = Date.now() + timeoutMs;
    const settled = (m: MediaJson | undefined) => m?.status === 'ready' || m?.status === 'errored';
    for (;;) {
      // A request may meet a process that is being killed or restarted: ask again next round.
      if (ids.length > 10) {
        // Many media: the tenant's list, a few requests instead of one per media.
        const listed = await this.allMedia(key).catch(() => []);
        for (const media of listed) if (ids.includes(media.id)) final.set(media.id, media);
      } else {
        for (const id of ids) {
          if (settled(final.get(id))) continue;
          const media = await this.media(key, id).catch(() => undefined);
          if (media) final.set(id, media);
        }
      }
      const pending = ids.filter((id) => !settled(final.get(id)));
      if (pending.length === 0) return final;
      if (Date.now() > deadline) {
        const states = pending.map((id) => `${id}: ${final.get(id)?.status ?? 'unknown'}`).join(', ');
        throw new Error(`media not settled within ${timeoutMs} ms: ${states}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Keys of every object under `prefix`, sorted. */
  async objects(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of this.storage.list(prefix)) keys.push(object.key);
    return keys.sort();
  }

  /** The media's row as the database holds it (what the API does not show). */
  async mediaRow(
    id: string,
  ): Promise<{ playback_prefix: string | null; source_key: string | null; tenant_id: string }> {
    const { rows } = await this.db.query<{
      playback_prefix: string | null;
      source_key: string | null;
      tenant_id: string;
    }>('select playback_prefix, source_key, tenant_id from media where id = $1', [id]);
    const row = rows[0];
    if (!row) throw new Error(`no media ${id}`);
    return row;
  }

  /**
   * The media's latest job of a type (media.process makes it playable, media.encode the rest),
   * with the process (pid) of the worker holding its lease.
   */
  async mediaJob(mediaId: string, type: 'media.process' | 'media.encode'): Promise<MediaJobRow | undefined> {
    return (await this.mediaJobs(mediaId)).find((job) => job.type === type);
  }

  /** Every job of a media, newest first. */
  async mediaJobs(mediaId: string): Promise<MediaJobRow[]> {
    const { rows } = await this.db.query<MediaJobRow>(
      `select j.id, j.type, j.state, j.attempt, j.last_error, j.lease_owner, w.pid
         from jobs j left join workers w on w.id = j.lease_owner
        where j.type in ('media.process', 'media.encode') and j.payload like $1
        order by j.created_at desc`,
      [`%"${mediaId}"%`],
    );
    return rows;
  }

  /**
   * The files a ready media's published version names (its index.json: renditions, poster,
   * storyboard sheets, download) that storage does not have; empty when the version is whole.
   */
  async missingPublishedFiles(mediaId: string): Promise<string[]> {
    const { playback_prefix: prefix } = await this.mediaRow(mediaId);
    if (!prefix) return ['(no published version)'];
    const stored = await this.storage.get(`${prefix}index.json`).catch(() => undefined);
    if (!stored) return [`${prefix}index.json`];
    const chunks: Buffer[] = [];
    for await (const chunk of stored.body) chunks.push(chunk as Buffer);
    const index = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PlaybackIndex;
    const files = [
      ...index.renditions.map((r) => r.file),
      ...(index.poster ? [index.poster] : []),
      ...(index.storyboard?.sheets ?? []),
      ...(index.download ? [index.download] : []),
    ];
    const missing: string[] = [];
    for (const file of files) {
      if (!(await this.storage.head(prefix + file))) missing.push(prefix + file);
    }
    return missing;
  }

  /** Storage prefixes a pending media.remove-files job will delete. */
  async prefixesPendingRemoval(): Promise<string[]> {
    const { rows } = await this.db.query<{ payload: string }>(
      `select payload from jobs where type = 'media.remove-files' and state in ('available', 'retrying', 'running')`,
    );
    return rows.map((r) => (JSON.parse(r.payload) as { prefix?: string }).prefix ?? '').filter(Boolean);
  }
}

export interface MediaJobRow {
  id: string;
  type: string;
  state: string;
  attempt: number;
  last_error: string | null;
  lease_owner: string | null;
  /** The worker process holding the lease, while one does. */
  pid: number | null;
}

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
