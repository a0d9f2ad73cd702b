import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { ByteMeter, sizeMismatchError } from './byte-meter.ts';
import { assertValidKey, assertValidPrefix, InvalidStorageKeyError } from './keys.ts';
import { assertRangeShape, rangeHeader } from './range.ts';
import { S3ColdTier } from './s3-cold-tier.ts';
import { partSizeFor } from './s3-part-size.ts';
import {
  StorageColdError,
  StorageNotFoundError,
  StorageRangeError,
  type ByteRange,
  type GetResult,
  type ListedObject,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
  type ColdTier,
  type Storage,
} from './storage.ts';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** For S3-compatible services; AWS itself needs none. */
  endpoint?: string | undefined;
  /** Address the bucket in the path (`endpoint/bucket/key`) rather than the host name. */
  forcePathStyle?: boolean | undefined;
  /** By default the SDK's chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, profiles, instance roles. */
  credentials?: S3ClientConfig['credentials'];
  /** Preferred multipart part size; raised when a known size would need more than 10,000 parts. */
  partSize?: number;
  /** Parts uploaded at once per put (each held in memory). */
  queueSize?: number;
  /** Above this size `copy` streams the object through this process (CopyObject stops at 5 GiB). */
  maxCopyObjectSize?: number;
  /** The cold tier's storage class and restore settings (KINO_COLD_*); no cold tier without it. */
  cold?:
    | {
        storageClass: StorageClass;
        restoreDays: number;
        restoreTier: 'Expedited' | 'Standard' | 'Bulk';
      }
    | undefined;
}

const MAX_COPY_OBJECT_SIZE = 5 * 1024 ** 3;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * Storage in an S3 bucket. Puts go through lib-storage's Upload: one PUT for a small body, a
 * multipart upload otherwise; either way the object appears only when complete.
 *
 * @example new S3Storage({ bucket: 'kino', region: 'eu-west-1' })
 */
export class S3Storage implements Storage {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly partSize: number | undefined;
  private readonly queueSize: number;
  private readonly maxCopyObjectSize: number;
  readonly coldTier: ColdTier | undefined;

  constructor(opts: S3StorageOptions) {
    this.bucket = opts.bucket;
    this.partSize = opts.partSize;
    this.queueSize = opts.queueSize ?? 4;
    this.maxCopyObjectSize = opts.maxCopyObjectSize ?? MAX_COPY_OBJECT_SIZE;
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle ?? false,
      credentials: opts.credentials,
      // Many S3-compatible services mishandle the SDK's default checksums (aws-chunked trailers).
      ...(opts.endpoint === undefined
        ? {}
        : { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
    });
    this.coldTier =
      opts.cold === undefined
        ? undefined
        : new S3ColdTier({
            ...opts.cold,
            client: this.client,
            bucket: this.bucket,
            maxCopyObjectSize: this.maxCopyObjectSize,
            rewrite: (key, storageClass) => this.rewrite(key, storageClass),
          });
  }

  /** Writes an object again under its own key with another storage class, streaming it through. */
  private async rewrite(key: string, storageClass: StorageClass): Promise<void> {
    const source = await this.get(key);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: source.body,
        ContentType: source.contentType,
        StorageClass: storageClass,
      },
      partSize: partSizeFor(source.size, this.partSize),
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } finally {
      source.body.destroy();
    }
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    const partSize = partSizeFor(opts.size, this.partSize);
    if (Buffer.isBuffer(body) && body.length <= partSize) return this.putBuffer(key, body, opts);
    const meter = new ByteMeter({ sha256: opts.sha256, expectedSize: opts.size });
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    // Errors of either stream reach Upload through the meter.
    pipeline(source, meter, () => undefined);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: meter, ContentType: opts.contentType },
      partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      meter.destroy();
      throw error;
    }
    const sha256 = meter.digest();
    return sha256 === undefined ? { size: meter.bytes } : { size: meter.bytes, sha256 };
  }

  /** One PUT, without lib-storage's buffering: most objects (segments, playlists, images) are small. */
  private async putBuffer(key: string, body: Buffer, opts: PutOptions): Promise<PutResult> {
    if (opts.size !== undefined && opts.size !== body.length) throw sizeMismatchError(opts.size, body.length);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: opts.contentType }),
    );
    if (!opts.sha256) return { size: body.length };
    return { size: body.length, sha256: createHash('sha256').update(body).digest('hex') };
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    assertValidKey(key);
    if (range) assertRangeShape(range);
    const out = await this.client
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range && rangeHeader(range) }))
      .catch((error: unknown) => {
        throw translate(error, key);
      });
    const body = out.Body;
    if (!(body instanceof Readable)) throw new Error(`S3 returned no stream for '${key}'`);
    const contentLength = out.ContentLength ?? 0;
    const contentType = out.ContentType;
    if (range === undefined) return { body, size: contentLength, contentLength, contentType };
    const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange ?? '');
    if (!served) {
      body.destroy();
      // Some servers answer a range on an empty object with the whole (empty) object.
      if (contentLength === 0) throw new StorageRangeError(key, 0);
      throw new Error(`S3 ignored the byte range asked for '${key}'`);
    }
    const [start, end, size] = [Number(served[1]), Number(served[2]), Number(served[3])];
    if (start >= size) {
      body.destroy();
      throw new StorageRangeError(key, size);
    }
    return { body, size, contentLength, range: { start, end }, contentType };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const info: ObjectInfo = {
        size: out.ContentLength ?? 0,
        lastModified: out.LastModified ?? new Date(0),
      };
      if (out.ETag) info.etag = out.ETag.replace(/"/g, '');
      return info;
    } catch (error) {
      const translated = translate(error, key);
      if (translated instanceof StorageNotFoundError) return null;
      throw translated;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new InvalidStorageKeyError(prefix, 'refusing to delete every object');
    assertValidPrefix(prefix);
    // Listing goes on by key, so deleting the page just listed does not disturb the next page.
    for await (const page of paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: prefix },
    )) {
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
      if (objects.length === 0) continue;
      const out = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } }),
      );
      const failed = out.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(
          `could not delete ${failed.length} objects under '${prefix}': ` +
            `${first?.Key ?? '?'}: ${first?.Code ?? ''} ${first?.Message ?? ''}`,
        );
      }
    }
  }

  list(prefix: string): AsyncIterable<ListedObject> {
    assertValidPrefix(prefix);
    return this.listPages(prefix);
  }

  async copy(from: string, to: string): Promise<void> {
    assertValidKey(from);
    assertValidKey(to);
    const info = await this.head(from);
    if (!info) throw new StorageNotFoundError(from);
    if (info.size > this.maxCopyObjectSize) {
      const source = await this.get(from);
      const put: PutOptions = { size: source.size };
      if (source.contentType !== undefined) put.contentType = source.contentType;
      await this.put(to, source.body, put);
      return;
    }
    const copySource = [this.bucket, ...from.split('/')].map(encodeURIComponent).join('/');
    await this.client
      .send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: copySource }))
      .catch((error: unknown) => {
        throw translate(error, from);
      });
  }

  async presignGet(
    key: string,
    expiresSeconds: number,
    opts: { contentType?: string } = {},
  ): Promise<string> {
    assertValidKey(key);
    if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGN_SECONDS) {
      throw new RangeError(`expiresSeconds must be a whole number from 1 to ${MAX_PRESIGN_SECONDS}`);
    }
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: opts.contentType,
    });
    return getSignedUrl(this.client, command, { expiresIn: expiresSeconds });
  }

  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** Closes the client's idle connections. */
  destroy(): void {
    this.client.destroy();
  }

  private async *listPages(prefix: string): AsyncGenerator<ListedObject> {
    for await (const page of paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: prefix === '' ? undefined : prefix },
    )) {
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0 };
      }
    }
  }
}

/** Maps "no such key" and "range not satisfiable" answers to the port's errors. */
function translate(error: unknown, key: string): unknown {
  if (!(error instanceof S3ServiceException)) return error;
  if (error.name === 'NoSuchKey' || error.name === 'NotFound') return new StorageNotFoundError(key);
  if (error.name === 'InvalidObjectState') return new StorageColdError(key);
  if (error.name === 'InvalidRange' || error.$metadata.httpStatusCode === 416) {
    const size = Number((error as { ActualObjectSize?: unknown }).ActualObjectSize);
    return new StorageRangeError(key, Number.isFinite(size) ? size : undefined);
  }
  return error;
}
