import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportError } from './import-error.ts';
import { downloadToFile, type DownloadOptions } from './resumable-download.ts';
import {
  fakeMp4,
  fileSource,
  startSource,
  type FileSourceOptions,
  type SourceServer,
} from '../../test/test-source-server.ts';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const fast: DownloadOptions = { allowPrivate: true, retryDelay: { baseMs: 5, maxMs: 20 } };

let dir: string;
let server: SourceServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kino-download-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function serve(opts: FileSourceOptions): Promise<SourceServer> {
  server = await startSource(fileSource(opts));
  return server;
}

async function download(url: string, opts: Partial<DownloadOptions> = {}) {
  const file = path.join(dir, 'out');
  const result = await downloadToFile(url, file, { ...fast, ...opts });
  return { result, data: await readFile(file) };
}

async function failure(promise: Promise<unknown>): Promise<ImportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}

describe('downloadToFile', () => {
  const source = fakeMp4(1_000_000);

  it('downloads the whole file in one request', async () => {
    const { origin } = await serve({ data: source, etag: '"v1"' });
    const { result, data } = await download(`${origin}/a.mp4`);
    expect(sha256(data)).toBe(sha256(source));
    expect(result).toMatchObject({ size: source.length, attempts: 1, contentType: 'video/mp4' });
  });

  it('resumes a dropped connection with Range and If-Range, byte for byte', async () => {
    const { origin, requests } = await serve({
      data: source,
      etag: '"v1"',
      dropAfter: (n) => (n === 0 ? 300_000 : undefined),
    });
    const { result, data } = await download(`${origin}/a.mp4`);
    expect(sha256(data)).toBe(sha256(source));
    expect(result.attempts).toBe(2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1]?.headers.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(300_000);
    expect(requests[1]?.headers['if-range']).toBe('"v1"');
  });

  it('resumes again and again when the source keeps dropping', async () => {
    const { requests } = await serve({
      data: source,
      lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT',
      dropAfter: (n) => (n < 6 ? 100_000 : undefined),
    });
    const { result, data } = await download(`${server!.origin}/a.mp4`);
    expect(sha256(data)).toBe(sha256(source));
    expect(result.attempts).toBe(7);
    expect(requests.slice(1).every((r) => r.headers['if-range'] === 'Wed, 21 Oct 2015 07:28:00 GMT')).toBe(
      true,
    );
  });

  it('resumes a chunked answer, learning the size from Content-Range', async () => {
    await serve({ data: source, chunked: true, dropAfter: (n) => (n < 2 ? 250_000 : undefined) });
    const { data } = await download(server!.origin);
    expect(sha256(data)).toBe(sha256(source));
  });

  it('starts again from zero when the source ignores Range', async () => {
    const { requests } = await serve({
      data: source,
      ignoreRange: true,
      dropAfter: (n) => (n === 0 ? 400_000 : undefined),
    });
    const { result, data } = await download(server!.origin);
    expect(sha256(data)).toBe(sha256(source));
    expect(result.attempts).toBe(2);
    expect(requests[1]?.headers.range).toMatch(/^bytes=\d+-$/);
  });

  it('gives up on a source that ignores Range and always drops', async () => {
    const { requests } = await serve({ data: source, ignoreRange: true, dropAfter: () => 200_000 });
    const err = await failure(download(server!.origin, { retries: 2 }));
    expect(err.reason).toBe('network');
    // One request brings bytes, then three in a row bring none new; how far each gets varies.
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(requests.length).toBeLessThan(20);
  });

  it('fetches a file that changed meanwhile whole, never splicing versions (If-Range)', async () => {
    const changed = fakeMp4(800_000, 2);
    let version = 1;
    await serve({
      data: () => (version === 1 ? source : changed),
      etag: () => `"v${version}"`,
      dropAfter: (n) => {
        if (n === 0) {
          version = 2;
          return 300_000;
        }
        return undefined;
      },
    });
    const { data } = await download(server!.origin);
    expect(sha256(data)).toBe(sha256(changed));
  });

  it('starts again when a partial answer comes from another version', async () => {
    const changed = fakeMp4(1_000_000, 3);
    let version = 1;
    const { requests } = await serve({
      data: () => (version === 1 ? source : changed),
      etag: () => `"v${version}"`,
      ignoreIfRange: true,
      dropAfter: (n) => {
        if (n === 0) {
          version = 2;
          return 300_000;
        }
        return undefined;
      },
    });
    const { data } = await download(server!.origin);
    expect(sha256(data)).toBe(sha256(changed));
    expect(requests.map((r) => r.headers.range)).toEqual([
      undefined,
      expect.stringMatching(/^bytes=/),
      undefined,
    ]);
  });

  it('retries a server error and succeeds', async () => {
    let n = 0;
    server = await startSource((req, res) => {
      if (n++ < 2) res.writeHead(503).end();
      else fileSource({ data: source })(req, res);
    });
    const { result, data } = await download(server.origin);
    expect(sha256(data)).toBe(sha256(source));
    expect(result.attempts).toBe(3);
  });

  it('does not retry a 404', async () => {
    server = await startSource((_req, res) => res.writeHead(404).end('<h1>gone</h1>'));
    const err = await failure(download(server.origin));
    expect(err).toMatchObject({
      reason: 'http_status',
      status: 404,
      message: 'the source answered 404 Not Found',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a file over the limit by its declared size', async () => {
    await serve({ data: source });
    const err = await failure(download(server!.origin, { maxBytes: 999_999 }));
    expect(err.reason).toBe('too_large');
    expect(server!.requests).toHaveLength(1);
  });

  it('refuses a chunked file when it passes the limit', async () => {
    await serve({ data: source, chunked: true });
    const err = await failure(download(server!.origin, { maxBytes: 500_000 }));
    expect(err.reason).toBe('too_large');
    expect(err.message).toBe('the file is larger than the limit of 500000 bytes');
  });

  it('refuses a resumed file whose full size is over the limit', async () => {
    await serve({ data: source, chunked: true, dropAfter: (n) => (n === 0 ? 100_000 : undefined) });
    const err = await failure(download(server!.origin, { maxBytes: 900_000 }));
    expect(err.reason).toBe('too_large');
    expect(err.message).toBe('the file is 1000000 bytes, more than the limit of 900000 bytes');
  });

  it('times out on a silent source after its retries', async () => {
    server = await startSource((_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.flushHeaders();
    });
    const err = await failure(download(server.origin, { idleTimeoutMs: 100, retries: 1 }));
    expect(err.reason).toBe('timeout');
    expect(server.requests).toHaveLength(2);
  });

  it('stops at the overall deadline without retrying', async () => {
    server = await startSource(() => undefined);
    const started = Date.now();
    const err = await failure(download(server.origin, { timeoutMs: 300 }));
    expect(err).toMatchObject({
      reason: 'timeout',
      message: 'the source did not finish within the time allowed',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports progress', async () => {
    await serve({ data: source, dropAfter: (n) => (n === 0 ? 300_000 : undefined) });
    const seen: [number, number | undefined][] = [];
    await download(server!.origin, { onProgress: (bytes, total) => seen.push([bytes, total]) });
    expect(seen.at(-1)).toEqual([source.length, source.length]);
    expect(seen.every(([bytes], i) => i === 0 || bytes >= seen[i - 1]![0] || bytes <= 300_000)).toBe(true);
  });
});
