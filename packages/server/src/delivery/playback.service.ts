import type { MediaRow } from '../db/schema.ts';
import type { MediaRepository } from '../media/media.repository.ts';
import { playbackIndexSchema, type PlaybackIndex } from '../processing/playback-index.ts';
import { StorageNotFoundError, type Storage } from '../storage/storage.ts';
import { signPlaybackToken, verifyPlaybackToken, type TokenVerdict } from './playback-token.ts';
import type { SigningKey, SigningKeysRepository } from './signing-keys.repository.ts';

const VERSION = /^[a-z0-9_]+-\d+$/;
const INDEX_FILES = ['index.json', 'index-playable.json'];

/** Finds what /play may serve: the media, a version's index (cached: versions never change), keys. */
export class PlaybackService {
  private readonly indexes = new Map<string, PlaybackIndex>();
  private keys = new Map<string, string>();

  constructor(
    private readonly deps: { media: MediaRepository; storage: Storage; signingKeys: SigningKeysRepository },
  ) {}

  get storage(): Storage {
    return this.deps.storage;
  }

  media(id: string): Promise<MediaRow | undefined> {
    return this.deps.media.getForPlayback(id);
  }

  /** The version id of the published playback, the last segment of its prefix. */
  currentVersion(media: MediaRow): string | null {
    return media.playback_prefix?.split('/').at(-2) ?? null;
  }

  /**
   * The index of one version of a media: the published one, or an older one still in its grace
   * period. Only a well-formed version name reaches storage.
   */
  async index(media: MediaRow, version: string): Promise<PlaybackIndex | null> {
    if (!VERSION.test(version)) return null;
    const prefix = `media/${media.tenant_id}/${media.id}/${version}/`;
    const published = media.playback_prefix === prefix ? media.playback_index : null;
    const candidates = published ? [published] : INDEX_FILES;
    for (const file of candidates) {
      const key = prefix + file;
      const cached = this.indexes.get(key);
      if (cached) return cached;
      try {
        const { body } = await this.deps.storage.get(key);
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        const index = playbackIndexSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (this.indexes.size > 2000) this.indexes.clear();
        this.indexes.set(key, index);
        return index;
      } catch (err) {
        if (!(err instanceof StorageNotFoundError)) throw err;
      }
    }
    return null;
  }

  versionPrefix(media: MediaRow, version: string): string {
    return `media/${media.tenant_id}/${media.id}/${version}/`;
  }

  async signToken(mediaId: string, expiresAt: number, ip?: string): Promise<string> {
    const key: SigningKey = await this.deps.signingKeys.current(Date.now());
    return signPlaybackToken({ mediaId, expiresAt, ip }, key);
  }

  async verifyToken(token: string, mediaId: string, ip: string): Promise<TokenVerdict> {
    const expect = { mediaId, nowSeconds: Math.floor(Date.now() / 1000), ip };
    let verdict = verifyPlaybackToken(token, expect, (id) => this.keys.get(id));
    if (!verdict.ok && verdict.reason === 'unknown_key') {
      // A key created by another process since we last looked.
      this.keys = new Map((await this.deps.signingKeys.all()).map((k) => [k.id, k.secret]));
      verdict = verifyPlaybackToken(token, expect, (id) => this.keys.get(id));
    }
    return verdict;
  }
}
