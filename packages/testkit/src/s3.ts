import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';

export interface S3Server {
  /** http://127.0.0.1:PORT; use it with `forcePathStyle: true`. */
  endpoint: string;
  /** A bucket that exists when the server starts. */
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const BUCKET = 'kino-test';
// s3rver's built-in account.
const ACCESS_KEY = 'S3RVER';

/**
 * Starts an S3-compatible server (s3rver) on a free loopback port, storing in a temporary folder
 * that `stop()` removes, with one bucket created.
 *
 * @example
 * const s3 = await startS3Server();
 * new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3 });
 */
export async function startS3Server(): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), `kino-s3-${process.pid}-`));
  const onExit = (): void => {
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  try {
    const server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory: dir,
      silent: true,
      configureBuckets: [{ name: BUCKET, configs: [] }],
    });
    patchS3rver(server as unknown as S3rverInternals);
    const address = await server.run();
    let stopping: Promise<void> | undefined;
    return {
      endpoint: `http://127.0.0.1:${address.port}`,
      bucket: BUCKET,
      region: 'us-east-1',
      accessKeyId: ACCESS_KEY,
      secretAccessKey: ACCESS_KEY,
      stop() {
        stopping ??= (async () => {
          await server.close();
          process.off('exit', onExit);
          await rm(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    process.off('exit', onExit);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

// What s3rver 3.7 keeps inside (its types do not describe it).
interface S3rverInternals {
  store: FilesystemStore;
  middleware: Middleware[];
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  getBucket(bucket: string): Promise<object | null>;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putPart(
    bucket: string,
    uploadId: string,
    partNumber: string | number,
    content: Readable,
  ): Promise<{ size: number; md5: string }>;
  getObject(
    bucket: string,
    key: string,
    options?: { start?: number; end?: number },
  ): Promise<FoundObject | null>;
  listObjects(
    bucket: string,
    options: { prefix: string; maxKeys: number },
  ): Promise<{ objects: ListedObject[] }>;
}

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: unknown;
}

interface FoundObject {
  content: Readable | null;
  range?: { start: number; end: number };
}

interface ListedObject {
  key: string;
  size: number;
  lastModifiedDate: Date;
  metadata: { etag?: string };
}

interface Context {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number;
}

type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void>;

/**
 * Makes s3rver behave like S3 where Kino's tests rely on it:
 * - an object appears whole: it is written to a temporary file, then renamed (s3rver writes in
 *   place and answers before the file is flushed);
 * - a range ending at byte 0 (`bytes=0-0`) is one byte, not the whole object;
 * - ListObjectsV2 pages in key order with a working continuation token (s3rver lists in
 *   directory order and makes its tokens with DES, which OpenSSL 3 in Node >= 17 refuses).
 *   This listing skips s3rver's signature check;
 * - multipart uploads: a part appears whole (temporary file, then rename), ListParts
 *   (`GET /bucket/key?uploadId=`, paged by `max-parts` and `part-number-marker`) and
 *   AbortMultipartUpload (`DELETE /bucket/key?uploadId=`) work, and UploadPart, ListParts,
 *   CompleteMultipartUpload and AbortMultipartUpload answer `404 NoSuchUpload` for an unknown or
 *   finished upload (s3rver answers 405 to the first two and 500 to completing). These also skip
 *   the signature check.
 */
function patchS3rver(server: S3rverInternals): void {
  const store = server.store;
  store.putObject = async (object) => {
    const target = store.getResourcePath(object.bucket, object.key, 'object');
    const temp = `${target}.${randomUUID()}.tmp`;
    await mkdir(dirname(target), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    try {
      await pipeline(content, meter, createWriteStream(temp));
      const digest = md5.digest('hex');
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(temp, target);
      return { size, md5: digest };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  };

  const getObject = store.getObject.bind(store);
  store.getObject = async (bucket, key, options) => {
    const object = await getObject(bucket, key, options);
    if (object?.content && object.range && options?.end === 0) {
      object.content.destroy();
      object.range.end = 0;
      object.content = createReadStream(store.getResourcePath(bucket, key, 'object'), { start: 0, end: 0 });
    }
    return object;
  };

  const listV2: Middleware = async (ctx, next) => {
    const bucket = /^\/([^/]+)\/?$/.exec(ctx.path)?.[1];
    const query = (name: string): string | undefined => {
      const value = ctx.query[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    if (
      ctx.method !== 'GET' ||
      bucket === undefined ||
      query('list-type') !== '2' ||
      query('delimiter') !== undefined ||
      !(await store.getBucket(bucket))
    ) {
      await next();
      return;
    }
    const prefix = query('prefix') ?? '';
    const token = query('continuation-token');
    const startAfter = token ? Buffer.from(token, 'base64url').toString() : (query('start-after') ?? '');
    const maxKeys = Math.min(1000, Number(query('max-keys') ?? 1000));
    const { objects } = await store.listObjects(bucket, { prefix, maxKeys: Infinity });
    const rest = objects.filter((o) => o.key > startAfter).sort((a, b) => (a.key < b.key ? -1 : 1));
    const page = rest.slice(0, maxKeys);
    const last = page.at(-1);
    const truncated = rest.length > page.length && last !== undefined;
    ctx.body = {
      ListBucketResult: {
        '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
        Name: bucket,
        Prefix: prefix,
        ContinuationToken: token,
        NextContinuationToken: truncated ? Buffer.from(last.key).toString('base64url') : undefined,
        KeyCount: page.length,
        MaxKeys: maxKeys,
        IsTruncated: truncated,
        Contents: page.map((o) => ({
          Key: o.key,
          LastModified: o.lastModifiedDate.toISOString(),
          ETag: o.metadata.etag,
          Size: o.size,
          StorageClass: 'STANDARD',
        })),
      },
    };
  };
  // s3rver keeps an upload in `<bucket>/._S3rver_uploads/<uploadId>/`: files `key` and `metadata`
  // (the initiating request's headers), and per part `<n>` (the bytes) and `<n>.md5`.
  const uploadDir = (bucket: string, uploadId: string): string =>
    join(store.getResourcePath(bucket, undefined as unknown as string, 'uploads'), uploadId);

  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const target = join(uploadDir(bucket, uploadId), String(partNumber));
    const temp = `${target}.${randomUUID()}.tmp`;
    const md5 = createHash('md5');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(content, meter, createWriteStream(temp));
      const digest = md5.digest('hex');
      await writeFile(`${temp}.md5`, digest);
      await rename(`${temp}.md5`, `${target}.md5`);
      await rename(temp, target);
      return { size, md5: digest };
    } catch (error) {
      await rm(temp, { force: true });
      await rm(`${temp}.md5`, { force: true });
      throw error;
    }
  };

  const multipart: Middleware = async (ctx, next) => {
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    const uploadId = ctx.query.uploadId;
    if (match === null || typeof uploadId !== 'string' || !/^[\w-]+$/.test(uploadId)) {
      await next();
      return;
    }
    const bucket = decodeURIComponent(match[1] ?? '');
    const key = (match[2] ?? '').split('/').map(decodeURIComponent).join('/');
    if (!(await store.getBucket(bucket))) {
      await next();
      return;
    }
    const dir = uploadDir(bucket, uploadId);
    const storedKey = await readFile(join(dir, 'key'), 'utf8').catch(() => undefined);
    if (storedKey !== key) {
      ctx.status = 404;
      ctx.body = {
        Error: {
          Code: 'NoSuchUpload',
          Message:
            'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
          UploadId: uploadId,
        },
      };
      return;
    }
    if (ctx.method === 'DELETE') {
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    if (ctx.method !== 'GET') {
      await next();
      return;
    }
    const number = (name: string, fallback: number): number => {
      const value = Number(ctx.query[name]);
      return Number.isInteger(value) && value >= 0 ? value : fallback;
    };
    const marker = number('part-number-marker', 0);
    const maxParts = Math.min(1000, number('max-parts', 1000));
    const numbers = (await readdir(dir))
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((n) => n > marker)
      .sort((a, b) => a - b);
    const page = numbers.slice(0, maxParts);
    const parts = await Promise.all(
      page.map(async (n) => {
        const [stats, md5] = await Promise.all([
          stat(join(dir, String(n))),
          readFile(join(dir, `${n}.md5`), 'utf8'),
        ]);
        return {
          PartNumber: n,
          LastModified: stats.mtime.toISOString(),
          ETag: JSON.stringify(md5.trim()),
          Size: stats.size,
        };
      }),
    );
    const truncated = numbers.length > page.length;
    ctx.body = {
      ListPartsResult: {
        '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        StorageClass: 'STANDARD',
        PartNumberMarker: marker,
        NextPartNumberMarker: page.at(-1) ?? marker,
        MaxParts: maxParts,
        IsTruncated: truncated,
        Part: parts,
      },
    };
  };

  // Just before the router, after the middleware that writes plain-object bodies as XML.
  server.middleware.splice(server.middleware.length - 1, 0, listV2, multipart);
}
