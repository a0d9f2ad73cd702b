import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportError } from './import-error.ts';
import { safeFetch, type SafeFetchOptions } from './safe-fetch.ts';
import {
  fileSource,
  PUBLIC_TEST_ADDRESS,
  startSource,
  tableResolver,
  testRoute,
  type SourceServer,
} from '../../test/test-source-server.ts';

const servers: SourceServer[] = [];
async function source(...args: Parameters<typeof startSource>): Promise<SourceServer> {
  const server = await startSource(...args);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const local: SafeFetchOptions = { allowPrivate: true };

async function readAll(body: Readable): Promise<Buffer> {
  return Buffer.concat((await body.toArray()) as Buffer[]);
}

async function importError(promise: Promise<unknown>): Promise<ImportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}

/** public.test looks public to the policy and really is the local server. */
function publicNames(extra: Record<string, string[]> = {}) {
  const resolver = tableResolver({ 'public.test': [PUBLIC_TEST_ADDRESS], ...extra });
  return { resolver, opts: { allowPrivate: false, resolver, route: testRoute } satisfies SafeFetchOptions };
}

describe('safeFetch', () => {
  it('streams the answer with its status, headers and URL', async () => {
    const server = await source(fileSource({ data: Buffer.from('hello'), contentType: 'text/plain' }));
    const res = await safeFetch(`${server.origin}/a.txt`, local);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.contentLength).toBe(5);
    expect(res.url.href).toBe(`${server.origin}/a.txt`);
    expect((await readAll(res.body)).toString()).toBe('hello');
    expect(server.requests[0]?.headers['accept-encoding']).toBe('identity');
  });

  it('returns error statuses rather than throwing', async () => {
    const server = await source((_req, res) => res.writeHead(404).end('nope'));
    const res = await safeFetch(server.origin, local);
    expect(res.status).toBe(404);
    res.body.destroy();
  });

  describe('address policy', () => {
    it('refuses a loopback source unless private addresses are allowed', async () => {
      const server = await source(fileSource({ data: Buffer.from('x') }));
      const err = await importError(safeFetch(server.origin, { allowPrivate: false }));
      expect(err.reason).toBe('blocked_address');
      expect(err.message).toBe('refused to fetch the source: 127.0.0.1 is a loopback address');
      expect(server.requests).toHaveLength(0);
    });

    it('refuses a name when any one of its addresses is private', async () => {
      const server = await source(fileSource({ data: Buffer.from('x') }));
      const { opts } = publicNames({ 'mixed.test': [PUBLIC_TEST_ADDRESS, '10.0.0.8'] });
      const err = await importError(safeFetch(`http://mixed.test:${server.port}/`, opts));
      expect(err.reason).toBe('blocked_address');
      expect(err.message).toContain('mixed.test resolves to 10.0.0.8 is a private network address');
      expect(server.requests).toHaveLength(0);
    });

    it('refuses metadata names and addresses without asking DNS', async () => {
      const { resolver, opts } = publicNames();
      for (const url of [
        'http://metadata.google.internal/computeMetadata/v1/',
        'http://169.254.169.254/latest/',
        'http://[::ffff:127.0.0.1]/',
      ]) {
        expect((await importError(safeFetch(url, opts))).reason).toBe('blocked_address');
      }
      expect(resolver.calls.size).toBe(0);
    });

    it('reaches a public-looking name, connecting to the address it checked', async () => {
      const server = await source(fileSource({ data: Buffer.from('pinned') }));
      const { resolver, opts } = publicNames();
      const routed: string[] = [];
      const res = await safeFetch(`http://public.test:${server.port}/f`, {
        ...opts,
        route: (a) => {
          routed.push(a.address);
          return testRoute(a);
        },
      });
      expect((await readAll(res.body)).toString()).toBe('pinned');
      expect(routed).toEqual([PUBLIC_TEST_ADDRESS]);
      expect(resolver.calls.get('public.test')).toBe(1);
      expect(server.requests[0]?.headers.host).toBe(`public.test:${server.port}`);
    });

    it('resolves once per request, so a second DNS answer cannot redirect the socket', async () => {
      const server = await source(fileSource({ data: Buffer.from('ok') }));
      let calls = 0;
      const rebinding = (): Promise<{ address: string; family: 4 }[]> =>
        Promise.resolve([{ address: calls++ === 0 ? PUBLIC_TEST_ADDRESS : '127.0.0.1', family: 4 }]);
      const res = await safeFetch(`http://public.test:${server.port}/`, {
        allowPrivate: false,
        resolver: rebinding,
        route: testRoute,
      });
      expect((await readAll(res.body)).toString()).toBe('ok');
      expect(calls).toBe(1);
    });
  });

  describe('redirects', () => {
    it('follows relative and absolute redirects, checking every hop', async () => {
      const target = await source(fileSource({ data: Buffer.from('final') }));
      const hops = await source((req, res) => {
        if (req.url === '/start') res.writeHead(302, { location: '/next' }).end();
        else res.writeHead(307, { location: `http://other.test:${target.port}/file?sig=1` }).end();
      });
      const { resolver, opts } = publicNames({ 'other.test': [PUBLIC_TEST_ADDRESS] });
      const res = await safeFetch(`http://public.test:${hops.port}/start`, opts);
      expect(res.status).toBe(200);
      expect(res.url.href).toBe(`http://other.test:${target.port}/file?sig=1`);
      expect((await readAll(res.body)).toString()).toBe('final');
      expect(resolver.calls.get('public.test')).toBe(2);
      expect(resolver.calls.get('other.test')).toBe(1);
    });

    it('refuses a redirect from an allowed host to a private address, before connecting', async () => {
      const inside = await source(fileSource({ data: Buffer.from('secret') }));
      const outside = await source((_req, res) => {
        res.writeHead(302, { location: `http://inside.test:${inside.port}/admin?token=s3cr3t` }).end();
      });
      const { opts } = publicNames({ 'inside.test': ['127.0.0.1'] });
      const err = await importError(safeFetch(`http://public.test:${outside.port}/`, opts));
      expect(err.reason).toBe('blocked_address');
      expect(err.message).toBe(
        `refused to follow a redirect to http://inside.test:${inside.port}/admin?…: inside.test resolves to 127.0.0.1 is a loopback address`,
      );
      expect(err.message).not.toContain('s3cr3t');
      expect(outside.requests).toHaveLength(1);
      expect(inside.requests).toHaveLength(0);
    });

    it('refuses redirects to metadata endpoints and to other schemes', async () => {
      const locations = [
        'http://169.254.169.254/latest/meta-data/',
        'http://metadata.google.internal/',
        'file:///etc/passwd',
      ];
      let n = 0;
      const server = await source((_req, res) => res.writeHead(301, { location: locations[n++] }).end());
      const { opts } = publicNames();
      const reasons = [];
      for (let i = 0; i < locations.length; i++) {
        reasons.push((await importError(safeFetch(`http://public.test:${server.port}/`, opts))).reason);
      }
      expect(reasons).toEqual(['blocked_address', 'blocked_address', 'bad_url']);
    });

    it('gives up after five redirects', async () => {
      const server = await source((req, res) =>
        res.writeHead(302, { location: `/r${req.url?.length ?? 0}` }).end(),
      );
      const err = await importError(safeFetch(`${server.origin}/`, local));
      expect(err.reason).toBe('too_many_redirects');
      expect(err.message).toBe('the source redirected more than 5 times');
      expect(server.requests).toHaveLength(6);
    });

    it('sends user info as Basic auth, and not to another origin', async () => {
      const other = await source(fileSource({ data: Buffer.from('x') }));
      const first = await source((_req, res) => res.writeHead(302, { location: `${other.origin}/x` }).end());
      const url = new URL(first.origin);
      url.username = 'ann';
      url.password = 'p@ss';
      const res = await safeFetch(url, {
        ...local,
        headers: { Authorization: 'Bearer t', Range: 'bytes=0-' },
      });
      res.body.destroy();
      expect(first.requests[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from('ann:p@ss').toString('base64')}`,
      );
      expect(other.requests[0]?.headers.authorization).toBeUndefined();
      expect(other.requests[0]?.headers.range).toBe('bytes=0-');
    });
  });

  describe('bad URLs', () => {
    it.each([
      'not a url',
      'ftp://example.com/a.mp4',
      'file:///etc/passwd',
      'data:video/mp4,xx',
      'javascript:alert(1)',
    ])('refuses %j', async (url) => {
      expect((await importError(safeFetch(url, local))).reason).toBe('bad_url');
    });
  });

  describe('size limit', () => {
    it('refuses a Content-Length over the limit before reading the body', async () => {
      const server = await source(fileSource({ data: Buffer.alloc(2000) }));
      const err = await importError(safeFetch(server.origin, { ...local, maxBytes: 1000 }));
      expect(err.reason).toBe('too_large');
      expect(err.message).toBe('the file is 2000 bytes, more than the limit of 1000 bytes');
    });

    it('stops a chunked body when it passes the limit', async () => {
      let closed = false;
      const server = await source((_req, res) => {
        res.writeHead(200);
        const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024)), 1);
        res.on('close', () => {
          closed = true;
          clearInterval(timer);
        });
      });
      const res = await safeFetch(server.origin, { ...local, maxBytes: 100_000 });
      expect(res.contentLength).toBeUndefined();
      const err = await importError(readAll(res.body));
      expect(err.reason).toBe('too_large');
      await expect.poll(() => closed).toBe(true);
    });
  });

  describe('timeouts', () => {
    it('fails when the source does not answer', async () => {
      const server = await source(() => undefined);
      const err = await importError(safeFetch(server.origin, { ...local, idleTimeoutMs: 200 }));
      expect(err.reason).toBe('timeout');
      expect(err.message).toBe('the source sent nothing for 0.2 s');
      expect(err.retryable).toBe(true);
    });

    it('fails when the body stalls', async () => {
      const server = await source((_req, res) => {
        res.writeHead(200, { 'content-length': 100 });
        res.write(Buffer.alloc(10));
      });
      const res = await safeFetch(server.origin, { ...local, idleTimeoutMs: 200 });
      const err = await importError(readAll(res.body));
      expect(err.reason).toBe('timeout');
      expect(err.message).toBe('the source sent nothing for 0.2 s');
    });

    it('fails when connecting takes too long', async () => {
      const err = await importError(
        safeFetch('http://slow-dns.test/', {
          allowPrivate: false,
          connectTimeoutMs: 100,
          resolver: () => new Promise(() => undefined),
        }),
      );
      expect(err.reason).toBe('timeout');
      expect(err.message).toBe('could not connect to slow-dns.test within 0.1 s');
    });

    it('fails at the deadline even while bytes keep coming', async () => {
      const server = await source((_req, res) => {
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'), 20);
        res.on('close', () => {
          clearInterval(timer);
        });
      });
      const started = Date.now();
      const res = await safeFetch(server.origin, {
        ...local,
        idleTimeoutMs: 1000,
        deadline: Date.now() + 300,
      });
      const err = await importError(readAll(res.body));
      expect(err.reason).toBe('timeout');
      expect(err.retryable).toBe(false);
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });

  it('reports a dropped connection as a network failure that may be retried', async () => {
    const server = await source(fileSource({ data: Buffer.alloc(100_000), dropAfter: () => 5000 }));
    const res = await safeFetch(server.origin, local);
    const err = await importError(readAll(res.body));
    expect(err.reason).toBe('network');
    expect(err.retryable).toBe(true);
  });

  it('reports a refused connection as a network failure', async () => {
    const server = await source(() => undefined);
    await server.close();
    const err = await importError(safeFetch(server.origin, local));
    expect(err.reason).toBe('network');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('stops with its reason when the caller aborts before the answer', async () => {
    const server = await source(() => undefined);
    const controller = new AbortController();
    const reason = new Error('cancelled');
    setTimeout(() => {
      controller.abort(reason);
    }, 30);
    await expect(safeFetch(server.origin, { ...local, signal: controller.signal })).rejects.toBe(reason);
  });

  it('stops when the caller aborts while the body streams', async () => {
    const server = await source((_req, res) => {
      res.writeHead(200);
      res.write('x');
    });
    const controller = new AbortController();
    const res = await safeFetch(server.origin, { ...local, signal: controller.signal });
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(readAll(res.body)).rejects.toBe(reason);
  });

  describe('https', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('verifies the certificate against the name while connecting to the checked address', async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'kino-tls-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=public.test',
          '-addext',
          'subjectAltName=DNS:public.test',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(path.join(dir, 'cert.pem'));
      const server = await source(fileSource({ data: Buffer.from('secure') }), {
        key: readFileSync(path.join(dir, 'key.pem')),
        cert,
      });
      const { opts } = publicNames({ 'wrong.test': [PUBLIC_TEST_ADDRESS] });
      const res = await safeFetch(`https://public.test:${server.port}/`, { ...opts, ca: cert });
      expect((await readAll(res.body)).toString()).toBe('secure');

      const mismatch = await importError(
        safeFetch(`https://wrong.test:${server.port}/`, { ...opts, ca: cert }),
      );
      expect(mismatch.reason).toBe('network');
      expect(mismatch.retryable).toBe(false);
      const untrusted = await importError(safeFetch(`https://public.test:${server.port}/`, opts));
      expect(untrusted.reason).toBe('network');
    });
  });
});
