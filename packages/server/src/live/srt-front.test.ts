import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { SrtFront, type SrtAccept } from './srt-front.ts';
import {
  encodeStreamId,
  HS_CONCLUSION,
  HS_INDUCTION,
  inductionRequest,
  inductionResponse,
  parseHandshake,
  REJECT_FORBIDDEN,
  type SrtHandshake,
} from './srt-handshake.ts';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

async function socket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    s.close();
  });
  return s;
}

function next(s: dgram.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    s.once('message', (m) => {
      resolve(m);
    });
  });
}

/** A caller's conclusion with `cookie` and, if given, a stream id. */
function conclusion(socketId: number, cookie: number, streamId?: string): Buffer {
  const base = inductionRequest({ socketId, isn: 1, timestamp: 0 });
  base.writeUInt32BE(5, 16);
  base.writeUInt32BE(HS_CONCLUSION, 36);
  base.writeUInt32BE(cookie, 44);
  if (streamId === undefined) return base;
  const sid = encodeStreamId(streamId);
  const ext = Buffer.alloc(4);
  ext.writeUInt16BE(5, 0);
  ext.writeUInt16BE(sid.length / 4, 2);
  return Buffer.concat([base, ext, sid]);
}

async function front(accept: SrtAccept, opts: { maxRelaysPerIp?: number } = {}): Promise<SrtFront> {
  const f = new SrtFront({ accept, onError: () => undefined, ...opts });
  await f.listen(0, '127.0.0.1');
  cleanup.push(() => {
    f.close();
  });
  return f;
}

/** Induction, then the answer's cookie. */
async function induce(caller: dgram.Socket, port: number, socketId: number): Promise<SrtHandshake> {
  const answer = next(caller);
  caller.send(inductionRequest({ socketId, isn: 1, timestamp: 0 }), port, '127.0.0.1');
  const parsed = parseHandshake(await answer);
  if (!parsed) throw new Error('no induction answer');
  return parsed;
}

describe('SrtFront', () => {
  it('answers an induction with a cookie bound to the address, and ignores conclusions without it', async () => {
    const asked: string[] = [];
    const f = await front(({ streamKey }) => {
      asked.push(streamKey);
      return Promise.resolve({ refused: REJECT_FORBIDDEN });
    });
    const caller = await socket();
    const answer = await induce(caller, f.port, 42);
    expect(answer).toMatchObject({
      type: HS_INDUCTION,
      version: 5,
      extensionField: 0x4a17,
      destSocketId: 42,
    });
    // A conclusion with a made-up cookie, or from another address with this one, gets nothing.
    caller.send(conclusion(42, (answer.cookie ^ 1) >>> 0, 'publish:k'), f.port, '127.0.0.1');
    const other = await socket();
    other.send(conclusion(43, answer.cookie, 'publish:k'), f.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    expect(asked).toEqual([]);
    // The right one is asked about, and its refusal is an SRT rejection (the same for a retry).
    const rejected = next(caller);
    caller.send(conclusion(42, answer.cookie, 'publish:k'), f.port, '127.0.0.1');
    expect(parseHandshake(await rejected)).toMatchObject({ type: 1000 + REJECT_FORBIDDEN, destSocketId: 42 });
    const again = next(caller);
    caller.send(conclusion(42, answer.cookie, 'publish:k'), f.port, '127.0.0.1');
    expect(parseHandshake(await again)?.type).toBe(1000 + REJECT_FORBIDDEN);
    expect(asked).toEqual(['k']);
    expect(f.relayCount).toBe(0);
  });

  it('asks with an empty key when the stream id is missing or not a publish', async () => {
    const asked: string[] = [];
    const f = await front(({ streamKey }) => {
      asked.push(streamKey);
      return Promise.resolve({ refused: REJECT_FORBIDDEN });
    });
    for (const sid of [undefined, 'read:k', '#!::r=k,m=request']) {
      const caller = await socket();
      const { cookie } = await induce(caller, f.port, 7);
      const rejected = next(caller);
      caller.send(conclusion(7, cookie, sid), f.port, '127.0.0.1');
      await rejected;
    }
    expect(asked).toEqual(['', '', '']);
  });

  it("relays an accepted caller to the listener after the listener's own induction, with its cookie", async () => {
    const listener = await socket();
    const seen: Buffer[] = [];
    listener.on('message', (m, rinfo) => {
      seen.push(m);
      const hs = parseHandshake(m);
      if (hs?.type === HS_INDUCTION) {
        listener.send(
          inductionResponse(hs, { socketId: 900, cookie: 0x5151, timestamp: 0 }),
          rinfo.port,
          rinfo.address,
        );
      } else {
        listener.send(Buffer.from('answer'), rinfo.port, rinfo.address);
      }
    });
    let closed = false;
    const f = await front(() =>
      Promise.resolve({
        port: listener.address().port,
        close: () => {
          closed = true;
        },
      }),
    );
    const caller = await socket();
    const { cookie } = await induce(caller, f.port, 11);
    const answered = next(caller);
    caller.send(conclusion(11, cookie, 'publish:good'), f.port, '127.0.0.1');
    expect((await answered).toString()).toBe('answer');
    const handedOn = seen.map((m) => parseHandshake(m)).find((h) => h?.type === HS_CONCLUSION);
    expect(handedOn).toMatchObject({ cookie: 0x5151, socketId: 11, streamId: 'publish:good' });
    // Then any datagram, both ways.
    const back = next(caller);
    caller.send(Buffer.from('media'), f.port, '127.0.0.1');
    expect((await back).toString()).toBe('answer');
    expect(seen.at(-1)?.toString()).toBe('media');
    expect(f.relayCount).toBe(1);
    f.close();
    expect(closed).toBe(true);
  });

  it('holds a bounded number of relays per address, and closes quiet ones', async () => {
    const listener = await socket();
    listener.on('message', (m, rinfo) => {
      const hs = parseHandshake(m);
      if (hs?.type === HS_INDUCTION) {
        listener.send(
          inductionResponse(hs, { socketId: 9, cookie: 1, timestamp: 0 }),
          rinfo.port,
          rinfo.address,
        );
      }
    });
    let accepted = 0;
    let closed = 0;
    const f = new SrtFront({
      accept: () => {
        accepted++;
        return Promise.resolve({
          port: listener.address().port,
          close: () => {
            closed++;
          },
        });
      },
      onError: () => undefined,
      maxRelaysPerIp: 2,
      idleMs: 1500,
    });
    await f.listen(0, '127.0.0.1');
    cleanup.push(() => {
      f.close();
    });
    for (let i = 0; i < 3; i++) {
      const caller = await socket();
      const { cookie } = await induce(caller, f.port, 100 + i);
      caller.send(conclusion(100 + i, cookie, 'publish:k'), f.port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(accepted).toBe(2);
    const deadline = Date.now() + 20_000;
    while (f.relayCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(f.relayCount).toBe(0);
    expect(closed).toBe(2);
  });
});
