import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportError } from './import-error.ts';
import { importFromUrl, type ImportedFile, type UrlImportOptions } from './url-import.ts';
import {
  fakeMp4,
  fileSource,
  PUBLIC_TEST_ADDRESS,
  startSource,
  tableResolver,
  testRoute,
  type SourceServer,
} from '../../test/test-source-server.ts';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

let tempDir: string;
let server: SourceServer | undefined;
let opts: UrlImportOptions;
beforeEach(async () => {
  tempDir = await mkdtemp(path.join(tmpdir(), 'kino-import-'));
  opts = { tempDir: path.join(tempDir, 'work'), allowPrivate: true, retryDelay: { baseMs: 5, maxMs: 20 } };
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(tempDir, { recursive: true, force: true });
});

/** A sink that keeps the bytes, as storage.put would. */
async function keep(file: ImportedFile): Promise<{ size: number; sha256: string }> {
  const data = Buffer.concat((await file.open().toArray()) as Buffer[]);
  return { size: data.length, sha256: sha256(data) };
}

async function failure(promise: Promise<unknown>): Promise<ImportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}

describe('importFromUrl', () => {
  const source = fakeMp4(600_000);

  it('hands the sink the whole file, then removes the temporary copy', async () => {
    server = await startSource(
      fileSource({ data: source, etag: '"a"', contentType: 'application/octet-stream' }),
    );
    let seen: ImportedFile | undefined;
    const result = await importFromUrl(
      `${server.origin}/videos/My%20Talk.mp4?X-Amz-Signature=deadbeef`,
      async (file) => {
        seen = file;
        expect((await readFile(file.path)).length).toBe(source.length);
        return keep(file);
      },
      opts,
    );
    expect(result).toEqual({
      size: source.length,
      format: 'mp4',
      contentType: 'application/octet-stream',
      filename: 'My Talk.mp4',
      source: `${server.origin}/videos/My%20Talk.mp4?…`,
      attempts: 1,
      stored: { size: source.length, sha256: sha256(source) },
    });
    expect(seen?.path.startsWith(opts.tempDir)).toBe(true);
    expect(await readdir(opts.tempDir)).toEqual([]);
  });

  it('resumes after dropped connections and stores identical bytes', async () => {
    server = await startSource(
      fileSource({ data: source, etag: '"a"', dropAfter: (n) => (n < 3 ? 150_000 : undefined) }),
    );
    const result = await importFromUrl(server.origin, keep, opts);
    expect(result.stored.sha256).toBe(sha256(source));
    expect(result.attempts).toBe(4);
    expect(server.requests.slice(1).every((r) => /^bytes=[1-9]\d*-$/.test(r.headers.range ?? ''))).toBe(true);
  });

  it('refuses an HTML page, whatever its Content-Type says', async () => {
    server = await startSource(
      fileSource({ data: Buffer.from('<!doctype html><title>Log in</title>'), contentType: 'video/mp4' }),
    );
    let called = false;
    const err = await failure(
      importFromUrl(
        server.origin,
        async () => {
          called = true;
          return Promise.resolve();
        },
        opts,
      ),
    );
    expect(err).toMatchObject({ reason: 'not_media', message: 'not a media file: looks like HTML' });
    expect(called).toBe(false);
    expect(await readdir(opts.tempDir)).toEqual([]);
  });

  it('refuses an empty file', async () => {
    server = await startSource(fileSource({ data: Buffer.alloc(0) }));
    const err = await failure(importFromUrl(server.origin, keep, opts));
    expect(err).toMatchObject({ reason: 'not_media', message: 'not a media file: the file is empty' });
  });

  it('says which status a source answered, without the URL secrets', async () => {
    server = await startSource((_req, res) =>
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not here</h1>'),
    );
    const err = await failure(importFromUrl(`${server.origin}/a.mp4?token=hunter2`, keep, opts));
    expect(err).toMatchObject({
      reason: 'http_status',
      status: 404,
      message: 'the source answered 404 Not Found',
    });
  });

  it('refuses a private source unless allowed, naming no secret', async () => {
    server = await startSource(fileSource({ data: source }));
    const url = `http://user:pa55word@127.0.0.1:${server.port}/a.mp4?sig=hunter2`;
    const err = await failure(importFromUrl(url, keep, { ...opts, allowPrivate: false }));
    expect(err.reason).toBe('blocked_address');
    expect(err.message).not.toMatch(/pa55word|hunter2|user/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a redirect from a public host to a private one', async () => {
    const inside = await startSource(fileSource({ data: source }));
    try {
      server = await startSource((_req, res) =>
        res.writeHead(302, { location: `http://127.0.0.1:${inside.port}/` }).end(),
      );
      const err = await failure(
        importFromUrl(`http://cdn.test:${server.port}/v.mp4`, keep, {
          ...opts,
          allowPrivate: false,
          resolver: tableResolver({ 'cdn.test': [PUBLIC_TEST_ADDRESS] }),
          route: testRoute,
        }),
      );
      expect(err.reason).toBe('blocked_address');
      expect(inside.requests).toHaveLength(0);
    } finally {
      await inside.close();
    }
  });

  it('refuses a file over the size limit', async () => {
    server = await startSource(fileSource({ data: source }));
    expect((await failure(importFromUrl(server.origin, keep, { ...opts, maxBytes: 1000 }))).reason).toBe(
      'too_large',
    );
  });

  it('hits the timeout on a source that stops sending', async () => {
    server = await startSource((_req, res) => {
      res.writeHead(200, { 'content-length': source.length });
      res.write(source.subarray(0, 1000));
    });
    const err = await failure(
      importFromUrl(server.origin, keep, { ...opts, idleTimeoutMs: 100, retries: 1 }),
    );
    expect(err.reason).toBe('timeout');
  });

  it('stops when the caller aborts, with its reason', async () => {
    server = await startSource((_req, res) => {
      res.writeHead(200, { 'content-length': source.length });
      res.write(source.subarray(0, 1000));
    });
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    setTimeout(() => {
      controller.abort(reason);
    }, 50);
    await expect(importFromUrl(server.origin, keep, { ...opts, signal: controller.signal })).rejects.toBe(
      reason,
    );
    expect(await readdir(opts.tempDir)).toEqual([]);
  });

  it('passes on a failing sink and still removes the temporary copy', async () => {
    server = await startSource(fileSource({ data: source }));
    await expect(
      importFromUrl(server.origin, () => Promise.reject(new Error('storage is down')), opts),
    ).rejects.toThrow('storage is down');
    expect(await readdir(opts.tempDir)).toEqual([]);
  });
});
