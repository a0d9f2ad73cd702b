import { playbackIndexSchema, type PlaybackIndex } from '../media/playback-index.ts';
import { MAX_TOKEN_SECONDS } from '../media/playback-limits.ts';
import { StorageNotFoundError, StorageRangeError, type Storage } from '../storage/storage.ts';
import { OpenFiles, type FileBytes } from './open-files.ts';
import type { PlayableMedia, PlayableMediaRepository } from './playable-media.repository.ts';
import {
  checkClaims,
  readPlaybackToken,
  signPlaybackToken,
  type PlaybackClaims,
  type TokenExpectation,
  type TokenReading,
  type TokenVerdict,
} from './playback-token.ts';
import type { SigningKeysRepository } from './signing-keys.repository.ts';
import type { TenantKeysRepository } from './tenant-keys.repository.ts';
import { jwtKeyId, looksLikeJwt, readTenantJwt, timesRefusal, type TenantPublicKey } from './tenant-jwt.ts';
import { createPublicKey } from 'node:crypto';
import { storageLayout } from '../storage/storage-layout.ts';
import { sessionExpiresAt, VERSION_NAME } from './playback-session.ts';
import {
  beaconGrantKeyId,
  GRANT_ROUNDING_SECONDS,
  readBeaconGrant,
  signBeaconGrant,
  type BeaconGrantReading,
} from './beacon-grant.ts';

const INDEX_FILES = ['index.json', 'index-playable.json'];
const MAX_CACHED = 20_000;
/** How long a media row serves requests inside its versions; see mediaForVersionRequest. */
export const MEDIA_TTL_MS = 1_000;
/**
 * How long a media row serves master playlists, MPDs and stable names. Short enough that a change
 * of visibility or a new version reaches new players at once for any practical purpose, long
 * enough that a burst of players starting together (thousands a second) costs a few reads.
 */
export const MANIFEST_TTL_MS = 100;
/** A token naming an unknown key re-reads the keys at most this often (forged key ids cost nothing). */
const KEY_RELOAD_MS = 1_000;
/** How long a tenant's public key (or its absence) is kept: a revoked key stops verifying within this. */
const TENANT_KEY_TTL_MS = 5_000;

/**
 * Finds what /play may serve: the media, a version's index and its files' sizes and bytes (a
 * version's files never change, so indexes, sizes and open files are kept), and the signing keys.
 */
export class PlaybackService {
  private readonly indexes = new Map<string, PlaybackIndex>();
  private readonly sizes = new Map<string, number>();
  private readonly lookups = new Map<string, Promise<PlayableMedia | undefined>>();
  private readonly recent = new Map<string, { at: number; row: PlayableMedia | undefined }>();
  private readonly tokens = new Map<string, PlaybackClaims>();
  /** Local files are read through kept descriptors; other storage through its own get. */
  private readonly files: OpenFiles | null;
  private keys = new Map<string, string>();
  private keysLoadedAt = -Infinity;
  private readonly tenantKeys = new Map<string, { at: number; key: TenantPublicKey | undefined }>();
  /** The key session grants are signed with, read at most once per KEY_RELOAD_MS. */
  private grantKey: { at: number; key: { id: string; secret: string } } | null = null;

  constructor(
    private readonly deps: {
      media: Pick<PlayableMediaRepository, 'get'>;
      storage: Storage;
      signingKeys: SigningKeysRepository;
      /** Tenants' public keys, for the playback tokens they sign themselves (JWT). */
      tenantKeys?: Pick<TenantKeysRepository, 'active'>;
      now?: () => number;
    },
  ) {
    this.files = deps.storage.localPath ? new OpenFiles() : null;
  }

  get storage(): Storage {
    return this.deps.storage;
  }

  /** Closes the kept file descriptors. */
  close(): void {
    this.files?.close();
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /**
   * The media for a master playlist, MPD or stable name: read at most once per MANIFEST_TTL_MS, so
   * visibility and the published version apply within that time when they change.
   */
  async mediaForManifest(id: string): Promise<PlayableMedia | undefined> {
    const recent = this.recent.get(id);
    if (recent && this.now() - recent.at < MANIFEST_TTL_MS) return recent.row;
    return this.media(id);
  }

  /**
   * Read now (the embed page, which decides what a viewer is told). Requests for one media that
   * arrive while its row is being read share that read.
   */
  media(id: string): Promise<PlayableMedia | undefined> {
    let lookup = this.lookups.get(id);
    if (!lookup) {
      const at = this.now();
      lookup = this.deps.media.get(id).finally(() => this.lookups.delete(id));
      lookup.then(
        (row) => {
          if (this.recent.size >= MAX_CACHED) this.recent.clear();
          this.recent.set(id, { at, row });
        },
        () => undefined,
      );
      this.lookups.set(id, lookup);
    }
    return lookup;
  }

  /**
   * The media for a request inside a version (segments, init segments, version playlists): read at
   * most once per MEDIA_TTL_MS, as players ask for many of these a second. A change of visibility
   * reaches them within that time, and within MANIFEST_TTL_MS through the master playlist, MPD and
   * stable names (whose reads refresh this copy).
   */
  async mediaForVersionRequest(id: string): Promise<PlayableMedia | undefined> {
    const recent = this.recent.get(id);
    if (recent && this.now() - recent.at < MEDIA_TTL_MS) return recent.row;
    return this.media(id);
  }

  /** The version id of the published playback, the last segment of its prefix. */
  currentVersion(media: PlayableMedia): string | null {
    return media.playback_prefix?.split('/').at(-2) ?? null;
  }

  /**
   * The index of one version of a media: the published one, or an older one still in its grace
   * period. Only a well-formed version name reaches storage.
   */
  async index(media: PlayableMedia, version: string): Promise<PlaybackIndex | null> {
    if (!VERSION_NAME.test(version)) return null;
    const prefix = this.versionPrefix(media, version);
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
        if (this.indexes.size >= MAX_CACHED) this.indexes.clear();
        this.indexes.set(key, index);
        return index;
      } catch (err) {
        if (!(err instanceof StorageNotFoundError)) throw err;
      }
    }
    return null;
  }

  versionPrefix(media: PlayableMedia, version: string): string {
    return storageLayout.versionPrefix(media.tenant_id, media.id, version);
  }

  /** The size of a versioned file, asked of storage once (files under a version are written once). */
  async sizeOf(key: string): Promise<number | null> {
    const cached = this.sizes.get(key);
    if (cached !== undefined) return cached;
    let size: number | null;
    if (this.files && this.deps.storage.localPath) {
      size = await this.files.size(this.deps.storage.localPath(key)).catch((error: unknown) => {
        if (isMissing(error)) return null;
        throw error;
      });
    } else {
      size = (await this.deps.storage.head(key))?.size ?? null;
    }
    if (size === null) return null;
    if (this.sizes.size >= MAX_CACHED) this.sizes.clear();
    this.sizes.set(key, size);
    return size;
  }

  /**
   * Bytes start..end (inclusive) of a versioned file: from local disk through kept descriptors and
   * reused buffers, from other storage as its stream. Call `release` once the response is done.
   * Throws StorageNotFoundError, or StorageRangeError when the file is shorter.
   */
  async read(key: string, start: number, end: number): Promise<FileBytes> {
    if (this.files && this.deps.storage.localPath) {
      const path = this.deps.storage.localPath(key);
      try {
        if ((await this.files.size(path)) <= end) throw new StorageRangeError(key, undefined);
        return await this.files.read(path, start, end);
      } catch (error) {
        throw isMissing(error) ? new StorageNotFoundError(key) : error;
      }
    }
    const got = await this.deps.storage.get(key, { start, end });
    if (got.contentLength !== end - start + 1) {
      got.body.destroy();
      throw new StorageRangeError(key, got.size);
    }
    return { body: got.body, release: () => got.body.destroy() };
  }

  async signToken(claims: PlaybackClaims): Promise<string> {
    const key = await this.deps.signingKeys.current(this.now());
    this.keys.set(key.id, key.secret);
    return signPlaybackToken(claims, key);
  }

  /**
   * The grant the child URLs of a session started with `claims` carry: the same media, address and
   * pages, the one version the session plays, until a grace period after the token's expiry.
   */
  async signSessionGrant(
    claims: PlaybackClaims,
    version: string,
    durationSeconds: number | null,
  ): Promise<string> {
    const now = this.now();
    if (!this.grantKey || now - this.grantKey.at >= KEY_RELOAD_MS) {
      const key = await this.deps.signingKeys.current(now);
      this.keys.set(key.id, key.secret);
      this.grantKey = { at: now, key: { id: key.id, secret: key.secret } };
    }
    const grant: PlaybackClaims = {
      mediaId: claims.mediaId,
      expiresAt: sessionExpiresAt(claims.expiresAt, durationSeconds),
      ip: claims.ip,
      referrers: claims.referrers,
      session: version,
      tokenExpiresAt: claims.expiresAt,
    };
    return signPlaybackToken(grant, this.grantKey.key);
  }

  /**
   * The grant a player needs to report views of `media` (see beacon-grant.ts): until its session
   * ends (`sessionEndsAt`, Unix seconds), or for a public media's playlist until the session that
   * starts now could end, rounded up to the hour so the playlist's text stays the same meanwhile.
   */
  async signBeaconGrant(
    media: { id: string; tenant_id: string },
    durationSeconds: number | null,
    sessionEndsAt?: number,
  ): Promise<string> {
    const key = await this.currentGrantKey();
    const nowSeconds = Math.floor(this.now() / 1000);
    const expiresAt =
      sessionEndsAt ??
      Math.ceil(sessionExpiresAt(nowSeconds, durationSeconds) / GRANT_ROUNDING_SECONDS) *
        GRANT_ROUNDING_SECONDS;
    return signBeaconGrant({ mediaId: media.id, tenantId: media.tenant_id, expiresAt }, key);
  }

  /** Checks a beacon grant against the signing keys (reloaded once when it names an unknown one). */
  async readBeaconGrant(text: string): Promise<BeaconGrantReading> {
    const now = this.now();
    const keyId = beaconGrantKeyId(text);
    if (keyId !== null && !this.keys.has(keyId) && now - this.keysLoadedAt >= KEY_RELOAD_MS) {
      this.keysLoadedAt = now;
      const keys = await this.deps.signingKeys.verifying(now, MAX_TOKEN_SECONDS * 1000);
      this.keys = new Map(keys.map((k) => [k.id, k.secret]));
    }
    return readBeaconGrant(text, Math.floor(now / 1000), (id) => this.keys.get(id));
  }

  private async currentGrantKey(): Promise<{ id: string; secret: string }> {
    const now = this.now();
    if (!this.grantKey || now - this.grantKey.at >= KEY_RELOAD_MS) {
      const key = await this.deps.signingKeys.current(now);
      this.keys.set(key.id, key.secret);
      this.grantKey = { at: now, key: { id: key.id, secret: key.secret } };
    }
    return this.grantKey.key;
  }

  /** New tokens get a new key; tokens signed before keep verifying until they expire. */
  async rotateKeys(): Promise<{ id: string; createdAt: number }> {
    const key = await this.deps.signingKeys.rotate(this.now());
    this.keys.set(key.id, key.secret);
    this.grantKey = { at: this.now(), key: { id: key.id, secret: key.secret } };
    return { id: key.id, createdAt: key.createdAt };
  }

  async verifyToken(token: string, expect: Omit<TokenExpectation, 'nowSeconds'>): Promise<TokenVerdict> {
    const now = this.now();
    const full = { ...expect, nowSeconds: Math.floor(now / 1000) };
    if (looksLikeJwt(token)) return this.verifyTenantToken(token, full);
    const reading = await this.readToken(token, now);
    return reading.ok ? checkClaims(reading.claims, full) : reading;
  }

  /**
   * A token the media's tenant signed itself: its `kid` must name an active key of that tenant
   * (another tenant's key is as unknown as a made-up one), then the claims are checked as for
   * Kino's own tokens.
   */
  private async verifyTenantToken(token: string, expect: TokenExpectation): Promise<TokenVerdict> {
    const kid = jwtKeyId(token);
    if (kid === null) return { ok: false, reason: 'malformed' };
    const key = await this.tenantKey(kid);
    if (key !== undefined && key.tenantId !== expect.tenantId) return { ok: false, reason: 'unknown_key' };
    const reading = readTenantJwt(token, (id) => (id === kid ? key : undefined));
    if (!reading.ok) return reading;
    const refusal = timesRefusal(reading.claims, expect.nowSeconds);
    if (refusal) return { ok: false, reason: refusal };
    return checkClaims(reading.claims, expect);
  }

  private async tenantKey(kid: string): Promise<TenantPublicKey | undefined> {
    const now = this.now();
    const cached = this.tenantKeys.get(kid);
    if (cached && now - cached.at < TENANT_KEY_TTL_MS) return cached.key;
    const row = await this.deps.tenantKeys?.active(kid);
    const key = row && {
      id: row.id,
      tenantId: row.tenant_id,
      algorithm: row.algorithm,
      key: createPublicKey(row.public_key_pem),
    };
    if (this.tenantKeys.size >= MAX_CACHED) this.tenantKeys.clear();
    this.tenantKeys.set(kid, { at: now, key });
    return key;
  }

  /**
   * A token's signature and claims, kept once valid: a player sends the same token with every
   * segment, and what a valid token says never changes (what it grants is checked every time).
   */
  private async readToken(token: string, now: number): Promise<TokenReading> {
    const known = this.tokens.get(token);
    if (known) return { ok: true, claims: known };
    let reading = readPlaybackToken(token, (id) => this.keys.get(id));
    if (!reading.ok && reading.reason === 'unknown_key' && now - this.keysLoadedAt >= KEY_RELOAD_MS) {
      // A key created since we last looked (a rotation, or another process's first key).
      this.keysLoadedAt = now;
      const keys = await this.deps.signingKeys.verifying(now, MAX_TOKEN_SECONDS * 1000);
      this.keys = new Map(keys.map((k) => [k.id, k.secret]));
      reading = readPlaybackToken(token, (id) => this.keys.get(id));
    }
    if (reading.ok) {
      if (this.tokens.size >= MAX_CACHED) this.tokens.clear();
      this.tokens.set(token, reading.claims);
    }
    return reading;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
