import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Store, type MetadataValue, type Options } from '@tus/s3-store';
import { ERRORS, TUS_RESUMABLE, Upload, type KvStore } from '@tus/utils';

/** The `.info` object's `upload-id` of an upload stored as one object, without a multipart upload. */
export const SINGLE_OBJECT = 'kino-single-object';
/** How long a finding about an upload is trusted by the same request's next step (it holds the lock). */
const FINDING_MS = 5_000;
const MAX_CACHED = 10_000;

/**
 * @tus/s3-store with fewer S3 requests per upload, for the many small uploads a video platform
 * gets (phone clips, screen recordings):
 *
 * - An upload that fits in one part (`partSize`) is stored with a single PutObject once its last
 *   byte arrives, instead of a multipart upload (create, upload part, list parts, complete). Bytes
 *   of an interrupted request wait in the `.part` object, as the library keeps a short last part.
 * - Its offset is read from storage (the object, else `.part`), and a step that follows another in
 *   the same locked request (creation, then its Upload-Expires check; an offset check, then the
 *   write) reuses what that step found rather than asking S3 again.
 * - The `.info` object a process writes is kept in its cache, as the library keeps those it reads.
 *
 * Larger uploads take the library's multipart path unchanged. Storage keys are the library's: the
 * bytes at the upload id, `<id>.info`, `<id>.part`.
 */
export class KinoS3Store extends S3Store {
  /** Uploads just created here (offset 0), for the creation request's own next step. */
  private readonly created = new Map<string, Finding>();
  /** Offsets a request just found (under its lock), for its write. */
  private readonly found = new Map<string, Finding>();

  constructor(options: Options) {
    super({ cache: new BoundedKvStore<MetadataValue>(MAX_CACHED), ...options });
  }

  override async create(upload: Upload): Promise<Upload> {
    if (upload.size === undefined || upload.size > this.preferredPartSize) return super.create(upload);
    upload.creation_date = new Date().toISOString();
    upload.storage = { type: 's3', path: upload.id, bucket: this.bucket };
    await this.saveMetadata(upload, SINGLE_OBJECT);
    // An empty upload is complete as created: no write will come to store it.
    if (upload.size === 0) await this.client.putObject({ Bucket: this.bucket, Key: upload.id, Body: '' });
    else remember(this.created, upload.id, { offset: 0, at: Date.now() });
    return upload;
  }

  protected override async saveMetadata(upload: Upload, uploadId: string): Promise<void> {
    await super.saveMetadata(upload, uploadId);
    // A copy: tus goes on changing the upload object (its offset) after this.
    await this.cache.set(upload.id, {
      file: copyOf(upload, upload.offset),
      'upload-id': uploadId,
      'tus-version': TUS_RESUMABLE,
    });
  }

  override async getUpload(id: string): Promise<Upload> {
    const metadata = await this.metadataOf(id);
    if (metadata['upload-id'] !== SINGLE_OBJECT) return super.getUpload(id);
    const size = metadata.file.size ?? 0;
    const offset = fresh(take(this.created, id)) ?? (await this.storedOffset(id, size));
    remember(this.found, id, { offset, at: Date.now() });
    return copyOf(metadata.file, offset);
  }

  override async write(src: Readable, id: string, offset: number): Promise<number> {
    const metadata = await this.getMetadata(id);
    if (metadata['upload-id'] !== SINGLE_OBJECT) return super.write(src, id, offset);
    const size = metadata.file.size ?? 0;
    const known = fresh(take(this.created, id)) ?? fresh(take(this.found, id));
    const stored = known ?? (await this.storedOffset(id, size));
    if (stored !== offset) throw tusError(ERRORS.INVALID_OFFSET);

    // The bytes so far (`.part`) and this request's, in one local file of known length.
    const file = await this.uniqueTmpFileName('kino-tus-');
    const out = createWriteStream(file);
    try {
      let received = 0;
      if (offset > 0) {
        const earlier = await this.getIncompletePart(id);
        if (!earlier) throw tusError(ERRORS.INVALID_OFFSET);
        await pipeline(earlier, out, { end: false });
      }
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          received += chunk.length;
          done(null, chunk);
        },
      });
      // A request that fails here changes nothing stored; one cut by its client ends the stream
      // early, and what arrived is kept below.
      await pipeline(src, counter, out);
      if (received === 0) return offset;
      const newOffset = offset + received;
      // `.part` held other than `offset` bytes (changed under another holder's lease): refuse.
      if ((await stat(file)).size !== newOffset) throw tusError(ERRORS.INVALID_OFFSET);
      if (newOffset === size) {
        await this.client.putObject({
          Bucket: this.bucket,
          Key: id,
          Body: createReadStream(file),
          ContentLength: newOffset,
          ...(metadata.file.metadata?.contentType && { ContentType: metadata.file.metadata.contentType }),
        });
        if (offset > 0) await this.deleteIncompletePart(id);
        await this.clearCache(id);
      } else {
        await this.uploadIncompletePart(id, createReadStream(file));
      }
      return newOffset;
    } finally {
      out.destroy();
      await rm(file, { force: true });
    }
  }

  override async remove(id: string): Promise<void> {
    const metadata = await this.metadataOf(id);
    if (metadata['upload-id'] !== SINGLE_OBJECT) return super.remove(id);
    await this.client.deleteObjects({
      Bucket: this.bucket,
      Delete: { Objects: [{ Key: id }, { Key: this.infoKey(id) }, { Key: this.partKey(id, true) }] },
    });
    await this.clearCache(id);
  }

  /** The `.info` of an upload; tus's 404 when there is none (other errors are S3's, as they came). */
  private async metadataOf(id: string): Promise<MetadataValue> {
    try {
      return await this.getMetadata(id);
    } catch (err) {
      if (isNotFound(err)) throw tusError(ERRORS.FILE_NOT_FOUND);
      throw err;
    }
  }

  /** All of it once the object exists; otherwise what `.part` holds. */
  private async storedOffset(id: string, size: number): Promise<number> {
    try {
      await this.client.headObject({ Bucket: this.bucket, Key: id });
      return size;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return (await this.getIncompletePartSize(id)) ?? 0;
  }
}

/** S3's answer for a missing object (GetObject: NoSuchKey; HeadObject, with no body: NotFound). */
function isNotFound(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** tus answers an error with its status_code and body; thrown as an Error. */
function tusError(known: { status_code: number; body: string }): Error {
  return Object.assign(new Error(known.body.trim()), known);
}

function copyOf(upload: Upload, offset: number): Upload {
  const { id, size, metadata, creation_date: creationDate, storage } = upload;
  return new Upload({ id, size, offset, metadata, creation_date: creationDate, storage });
}

interface Finding {
  offset: number;
  at: number;
}

/** The offset a finding holds, while it is recent enough to be this request's own. */
function fresh(finding: Finding | undefined): number | undefined {
  return finding && Date.now() - finding.at < FINDING_MS ? finding.offset : undefined;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  // Findings never looked at again (a HEAD, a failed request) must not pile up.
  if (map.size >= MAX_CACHED) map.clear();
  map.set(key, value);
}

function take<V>(map: Map<string, V>, key: string): V | undefined {
  const value = map.get(key);
  map.delete(key);
  return value;
}

/** tus's in-memory KvStore with a bound: the oldest entry goes when it is full. */
class BoundedKvStore<T> implements KvStore<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly max: number) {}

  async get(key: string): Promise<T | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, value: T): Promise<void> {
    this.entries.delete(key);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async list(): Promise<string[]> {
    return [...this.entries.keys()];
  }
}
