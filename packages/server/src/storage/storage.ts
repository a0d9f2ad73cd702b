import type { Readable } from 'node:stream';

export interface PutOptions {
  /** Stored with the object where the backend can (S3); served back by `get`. */
  contentType?: string;
  /** Compute the SHA-256 of the bytes while they stream through. */
  sha256?: boolean;
  /** The exact byte length when known: a body of another length is refused, and S3 sizes its parts from it. */
  size?: number;
}

export interface PutResult {
  size: number;
  /** Lowercase hex, present when asked for. */
  sha256?: string;
}

/** Inclusive byte offsets, as in an HTTP Range header; an absent `end` means "to the last byte". */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetResult {
  /** The bytes, streamed. The caller must consume or destroy it. */
  body: Readable;
  /** The size of the whole object. */
  size: number;
  /** The number of bytes in `body`. */
  contentLength: number;
  /** The range served, with its end resolved and clamped to the last byte; absent for a whole object. */
  range?: { start: number; end: number };
  contentType?: string;
}

export interface ObjectInfo {
  size: number;
  lastModified: Date;
  /** An opaque version tag, without quotes. */
  etag?: string;
}

export interface ListedObject {
  key: string;
  size: number;
}

/**
 * Where media bytes live: a folder or an S3 bucket. Keys are checked with `assertValidKey`
 * (see keys.ts) and prefixes with `assertValidPrefix`; a bad one throws InvalidStorageKeyError.
 * A key cannot also be the folder of other keys ('a' and 'a/b'), as on a file system.
 */
export interface Storage {
  /**
   * Stores `body` under `key`, replacing any object there. Atomic: until it resolves, readers see
   * the previous object (or none), never part of the new one; when it rejects, nothing changed.
   */
  put(key: string, body: Readable | Buffer, opts?: PutOptions): Promise<PutResult>;
  /** Streams the object or a range of it. Throws StorageNotFoundError, or StorageRangeError when the range starts past the end. */
  get(key: string, range?: ByteRange): Promise<GetResult>;
  /** The object's size and date, or null when there is none. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Removes the object; a missing one is fine. */
  delete(key: string): Promise<void>;
  /** Removes every object whose key starts with `prefix` (which ends with '/'; '' is refused). */
  deletePrefix(prefix: string): Promise<void>;
  /** Every object under `prefix` ('' for all), in no promised order. */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** Copies an object to another key, atomically for readers of `to`. Throws StorageNotFoundError. */
  copy(from: string, to: string): Promise<void>;
  /**
   * A URL that fetches the object without credentials for `expiresSeconds` (backends that can only),
   * answered with `contentType` when given.
   */
  presignGet?(key: string, expiresSeconds: number, opts?: { contentType?: string }): Promise<string>;
  /** The object's path on this machine's disk, for backends that have one (the folder adapter). */
  localPath?(key: string): string;
  /** Resolves when the backend can be read and written (for /readyz); throws otherwise. */
  check(): Promise<void>;
  /** A colder, cheaper place for objects read rarely (originals), where the backend has one. */
  coldTier?: ColdTier;
}

/**
 * Where an object is: `hot` (read at once), `cold` (in the colder place; `readable` says whether
 * a read works without a restore), `restoring` (a restore was asked for and is under way).
 */
export interface TierState {
  tier: 'hot' | 'cold' | 'restoring';
  /** A `get` works now (hot, a cold class read directly, or a restored copy). */
  readable: boolean;
}

/**
 * The cold tier of a backend (a second folder, an S3 storage class). Every method is idempotent
 * and safe to repeat after a crash: the object is whole in one place or the other at every moment.
 */
export interface ColdTier {
  /** Moves the object to the cold tier; a cold one stays. Throws StorageNotFoundError. */
  moveToCold(key: string): Promise<void>;
  /**
   * Brings the object back to the hot tier, or starts doing so: `hot` when it is hot now,
   * `restoring` while the provider's restore runs (call again later). Throws StorageNotFoundError.
   */
  restore(key: string): Promise<'hot' | 'restoring'>;
  /** Where the object is, or null when there is none. */
  tierOf(key: string): Promise<TierState | null>;
}

export class StorageNotFoundError extends Error {
  override name = 'StorageNotFoundError';
  constructor(readonly key: string) {
    super(`no stored object at '${key}'`);
  }
}

/** The requested range starts at or past the end of the object (HTTP 416). */
export class StorageRangeError extends Error {
  override name = 'StorageRangeError';
  constructor(
    readonly key: string,
    readonly size: number | undefined,
  ) {
    super(`range not satisfiable for '${key}'${size === undefined ? '' : ` (size ${size})`}`);
  }
}

/** The object is in an archival cold class and must be restored before it can be read. */
export class StorageColdError extends Error {
  override name = 'StorageColdError';
  constructor(readonly key: string) {
    super(`'${key}' is archived in cold storage; restore it first`);
  }
}
