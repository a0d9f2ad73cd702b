// A reference for the delivery benchmark: plain Node.js http answering a byte Range of a file under
// BENCH_DIR, read into a buffer and written to the socket, nothing else (no routing framework, no
// access rules, no validation beyond the bench's own requests). What Node itself costs per segment.
import { open, type FileHandle } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';

const port = Number(process.env.BENCH_PORT);
const dir = process.env.BENCH_DIR;
if (!Number.isInteger(port) || port <= 0 || !dir) throw new Error('set BENCH_PORT and BENCH_DIR');

const handles = new Map<string, Promise<FileHandle>>();
const handleOf = (path: string) => {
  let handle = handles.get(path);
  if (!handle) {
    handle = open(join(dir, path), 'r');
    handles.set(path, handle);
  }
  return handle;
};

http
  .createServer((req, res) => {
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!range || !req.url) {
      res.writeHead(req.url === '/healthz' ? 200 : 416).end();
      return;
    }
    const start = Number(range[1]);
    const length = Number(range[2]) - start + 1;
    handleOf(req.url)
      .then((file) => file.read(Buffer.allocUnsafe(length), 0, length, start))
      .then(
        ({ buffer, bytesRead }) => {
          res.writeHead(206, {
            'content-type': 'video/iso.segment',
            'content-range': `bytes ${start}-${start + bytesRead - 1}/*`,
            'content-length': bytesRead,
          });
          res.end(buffer);
        },
        () => res.writeHead(404).end(),
      );
  })
  .listen(port, '127.0.0.1');
