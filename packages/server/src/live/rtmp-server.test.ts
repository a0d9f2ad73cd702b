import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestPacket } from './flv-tags.ts';
import type { Publish } from './publisher.ts';
import { createRtmpServer } from './rtmp-server.ts';

const servers: net.Server[] = [];
const clients: net.Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(publish: Publish, opts?: Parameters<typeof createRtmpServer>[2]): Promise<number> {
  const server = createRtmpServer(publish, () => undefined, opts);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const neverPublish: Publish = () => Promise.resolve({ refused: 'invalid_stream_key' });

/** A client that has done the RTMP handshake (C0, C1, then C2 after S0S1S2). */
async function handshaken(port: number): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  clients.push(socket);
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      resolve();
    }),
  );
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536)]));
  await new Promise<void>((resolve) => {
    let got = 0;
    const onData = (d: Buffer) => {
      got += d.length;
      if (got >= 3073) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  socket.write(Buffer.alloc(1536));
  return { socket, closed };
}

/** A type-0 chunk on chunk stream `cid` announcing a message of `length` bytes, with `payload` bytes of it. */
function chunk(cid: number, length: number, payload: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = cid & 0x3f;
  header.writeUIntBE(0, 1, 3);
  header.writeUIntBE(length, 4, 3);
  header[7] = 9;
  header.writeUInt32LE(1, 8);
  return Buffer.concat([header, Buffer.alloc(payload)]);
}

const closedWithin = (closed: Promise<void>, ms: number) =>
  Promise.race([
    closed.then(() => true),
    new Promise<boolean>((r) =>
      setTimeout(() => {
        r(false);
      }, ms),
    ),
  ]);

describe('RTMP ingest before a key is checked', () => {
  it('drops a connection announcing a message larger than any frame (the parser would allocate it)', async () => {
    const port = await listen(neverPublish);
    const { socket, closed } = await handshaken(port);
    socket.write(chunk(4, 0xffffff, 128));
    expect(await closedWithin(closed, 5000)).toBe(true);
  });

  it('drops a connection opening many chunk streams with large messages (memory per connection is bounded)', async () => {
    const port = await listen(neverPublish);
    const { socket, closed } = await handshaken(port);
    // 40 chunk streams of 4 MiB each: 160 MiB the parser would hold for one unauthenticated client.
    for (let cid = 3; cid < 43; cid++) socket.write(chunk(cid, 4 * 1024 * 1024, 128));
    expect(await closedWithin(closed, 5000)).toBe(true);
  });

  it('drops a client that never completes the handshake, even one trickling bytes', async () => {
    const port = await listen(neverPublish, { handshakeTimeoutMs: 1000 });
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) =>
      socket.on('close', () => {
        resolve();
      }),
    );
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(Buffer.from([3]));
    const trickle = setInterval(() => socket.write(Buffer.alloc(1)), 200);
    try {
      expect(await closedWithin(closed, 5000)).toBe(true);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });
});

describe('RTMP ingest of an accepted publisher', () => {
  it('stops reading from a publisher while its packets are not taken (no unbounded buffering)', async () => {
    const pushed: IngestPacket[] = [];
    let full = false;
    let holding = true;
    let drain: (() => void) | undefined;
    const port = await listen(() =>
      Promise.resolve({
        // A packager that never catches up: every packet after the first says "wait".
        push: (packet: IngestPacket) => {
          pushed.push(packet);
          full = holding && pushed.length > 1;
          return !full;
        },
        onDrain: (listener: () => void) => {
          drain = listener;
        },
        setHeight: () => undefined,
        unsupported: () => undefined,
        closed: () => undefined,
      }),
    );
    // Faster than real time (no -re), as a file pushed by a hostile or broken encoder would be.
    const ffmpeg = spawn(
      'ffmpeg',
      [
        ...[
          '-hide_banner',
          '-loglevel',
          'error',
          '-nostdin',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=320x180:rate=30',
        ],
        ...['-t', '600', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-b:v', '4M', '-f', 'flv'],
        `rtmp://127.0.0.1:${port}/live/ls_00000000000000000000000000-${'a'.repeat(43)}`,
      ],
      { stdio: 'ignore' },
    );
    try {
      await expect.poll(() => full, { timeout: 20_000 }).toBe(true);
      const atPause = pushed.length;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // What was already read when it paused is parsed; nothing more is read after.
      expect(ffmpeg.exitCode).toBeNull();
      expect(pushed.length - atPause).toBeLessThan(200);
    } finally {
      ffmpeg.kill('SIGKILL');
      // Reading again, the server sees the publisher gone.
      holding = false;
      drain?.();
    }
  }, 40_000);
});
