// A reference for the uploads benchmark: plain Node.js http writing each PUT body to a file, nothing
// else. What Node itself costs to receive bytes, below any framework or protocol.
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const port = Number(process.env.BENCH_PORT);
const dir = process.env.BENCH_DIR;
if (!Number.isInteger(port) || port <= 0 || !dir) throw new Error('set BENCH_PORT and BENCH_DIR');

http
  .createServer((req, res) => {
    if (req.method !== 'PUT') {
      res.writeHead(200).end('ok');
      return;
    }
    pipeline(req, createWriteStream(join(dir, basename(req.url ?? 'body')))).then(
      () => res.writeHead(201).end(),
      () => res.writeHead(500).end(),
    );
  })
  .listen(port, '127.0.0.1');
