import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ResolvedAddress, Resolver } from '../src/imports/pinned-dns.ts';

export interface SourceServer {
  /** http(s)://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** Every request received, in order. */
  requests: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A server on 127.0.0.1 that records its requests; pass `tls` for HTTPS. */
export async function startSource(
  handler: RequestListener,
  tls?: { key: string | Buffer; cert: string | Buffer },
): Promise<SourceServer> {
  const requests: SourceServer['requests'] = [];
  const listener: RequestListener = (req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  };
  const server: Server = tls ? createTlsServer(tls, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export interface FileSourceOptions {
  /** The file; a function lets a test change it between requests. */
  data: Buffer | (() => Buffer);
  etag?: string | (() => string);
  lastModified?: string;
  contentType?: string;
  /** Answer every request with the whole file. */
  ignoreRange?: boolean;
  /** Honour Range even when If-Range names another version. */
  ignoreIfRange?: boolean;
  /** Send no Content-Length. */
  chunked?: boolean;
  /** Body bytes to send to request number `n` (from 0) before dropping the connection; undefined sends all. */
  dropAfter?: (n: number) => number | undefined;
}

/** Serves one file like a static file server or S3: Range, If-Range, ETag; optionally misbehaving. */
export function fileSource(opts: FileSourceOptions): RequestListener {
  let count = 0;
  return (req, res) => {
    const n = count++;
    const data = typeof opts.data === 'function' ? opts.data() : opts.data;
    const etag = typeof opts.etag === 'function' ? opts.etag() : opts.etag;
    const headers: Record<string, string | number> = { 'content-type': opts.contentType ?? 'video/mp4' };
    if (etag !== undefined) headers.etag = etag;
    if (opts.lastModified !== undefined) headers['last-modified'] = opts.lastModified;
    if (!opts.ignoreRange) headers['accept-ranges'] = 'bytes';

    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const current =
      ifRange === undefined || opts.ignoreIfRange === true || ifRange === (etag ?? opts.lastModified);
    let start = 0;
    let status = 200;
    if (range && !opts.ignoreRange && current) {
      start = Number(range[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
    }
    const body = data.subarray(start);
    if (!opts.chunked) headers['content-length'] = body.length;
    res.writeHead(status, headers);
    const drop = opts.dropAfter?.(n);
    if (drop !== undefined && drop < body.length) {
      res.write(body.subarray(0, drop), () => res.socket?.destroy());
    } else {
      res.end(body);
    }
  };
}

/** Bytes that sniff as MP4, then `size - 32` pseudo-random ones. */
export function fakeMp4(size: number, seed = 1): Buffer {
  const data = Buffer.alloc(size);
  Buffer.from('000000206674797069736f6d0000020069736f6d69736f32617663316d703431', 'hex').copy(data);
  let x = seed;
  for (let i = 32; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return data;
}

/** An address the policy allows, for names a test makes up; `testRoute` sends it to 127.0.0.1. */
export const PUBLIC_TEST_ADDRESS = '93.184.216.34';

/** A resolver from a fixed table; unknown names fail as DNS does. Counts its calls per name. */
export function tableResolver(table: Record<string, string[]>): Resolver & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const resolver = (hostname: string): Promise<ResolvedAddress[]> => {
    calls.set(hostname, (calls.get(hostname) ?? 0) + 1);
    const addresses = table[hostname];
    if (!addresses)
      return Promise.reject(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
      );
    return Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as const),
    );
  };
  return Object.assign(resolver, { calls });
}

/** Sends sockets for PUBLIC_TEST_ADDRESS to 127.0.0.1; leaves others alone. */
export function testRoute(address: ResolvedAddress): ResolvedAddress {
  return address.address === PUBLIC_TEST_ADDRESS ? { address: '127.0.0.1', family: 4 } : address;
}
