import { describe, expect, it } from 'vitest';
import {
  decodeStreamId,
  encodeStreamId,
  HS_CONCLUSION,
  HS_INDUCTION,
  inductionRequest,
  inductionResponse,
  parseHandshake,
  publishKeyOf,
  rejection,
  REJECT_FORBIDDEN,
  rewriteHandshake,
} from './srt-handshake.ts';

// What ffmpeg 5.1 (libsrt 1.5) sends as a caller of `srt://…?streamid=publish:ls_abc-Key_1`.
const INDUCTION = Buffer.from(
  '80000000000000000000010200000000000000040000000256dfd0f6000005dc00002000000000013c389e82000000000100007f000000000000000000000000',
  'hex',
);
const CONCLUSION = Buffer.from(
  '80000000000000000000259400000000000000050000000556dfd0f6000005dc00002000ffffffff3c389e82abcdef010100007f0000000000000000000000000001000300010501000000bf00780000000500056c6275703a687369615f736c4b2d6362315f7965',
  'hex',
);

describe('SRT handshakes', () => {
  it("reads a real caller's induction and conclusion, stream id included", () => {
    const induction = parseHandshake(INDUCTION);
    expect(induction).toMatchObject({
      destSocketId: 0,
      version: 4,
      extensionField: 2,
      type: HS_INDUCTION,
      socketId: 0x3c389e82,
      cookie: 0,
      mtu: 1500,
      flowWindow: 8192,
      streamId: null,
    });
    const conclusion = parseHandshake(CONCLUSION);
    expect(conclusion).toMatchObject({
      version: 5,
      type: HS_CONCLUSION,
      socketId: 0x3c389e82,
      cookie: 0xabcdef01,
      streamId: 'publish:ls_abc-Key_1',
      encrypted: false,
    });
  });

  it('refuses what is not a whole handshake: data, other control packets, truncated extensions', () => {
    const data = Buffer.from(CONCLUSION);
    data[0] = 0x00;
    expect(parseHandshake(data)).toBeNull();
    const keepalive = Buffer.from(CONCLUSION);
    keepalive.writeUInt32BE(0x80010000, 0);
    expect(parseHandshake(keepalive)).toBeNull();
    expect(parseHandshake(CONCLUSION.subarray(0, 60))).toBeNull();
    // The stream id extension announces more words than the packet holds.
    expect(parseHandshake(CONCLUSION.subarray(0, CONCLUSION.length - 4))).toBeNull();
    const huge = Buffer.from(CONCLUSION);
    huge.writeUInt16BE(200, huge.length - 22);
    expect(parseHandshake(huge)).toBeNull();
  });

  it('writes stream ids reversed within each 32-bit word, NUL padded', () => {
    expect(encodeStreamId('publish:x').toString('hex')).toBe('6c627570' + '3a687369' + '00000078');
    for (const id of ['', 'a', 'abcd', 'publish:ls_0123-ü', '#!::r=k,m=publish']) {
      expect(decodeStreamId(encodeStreamId(id))).toBe(id);
    }
  });

  it('reads the key to publish with from either stream id form, and nothing else', () => {
    expect(publishKeyOf('publish:ls_a-b')).toBe('ls_a-b');
    expect(publishKeyOf('#!::r=ls_a-b,m=publish')).toBe('ls_a-b');
    expect(publishKeyOf('#!::m=publish,r=ls_a-b')).toBe('ls_a-b');
    expect(publishKeyOf('#!::r=ls_a-b')).toBeNull();
    expect(publishKeyOf('#!::r=ls_a-b,m=request')).toBeNull();
    expect(publishKeyOf('read:ls_a-b')).toBeNull();
    expect(publishKeyOf('publish:')).toBeNull();
    expect(publishKeyOf('ls_a-b')).toBeNull();
  });

  it('answers an induction as an HSv5 listener, and refuses with a rejection reason', () => {
    const request = parseHandshake(INDUCTION)!;
    const answer = parseHandshake(
      inductionResponse(request, { socketId: 77, cookie: 0xfeedbeef, timestamp: 1 }),
    )!;
    expect(answer).toMatchObject({
      destSocketId: request.socketId,
      version: 5,
      extensionField: 0x4a17,
      type: HS_INDUCTION,
      socketId: 77,
      cookie: 0xfeedbeef,
      isn: request.isn,
      mtu: 1500,
    });
    const refused = parseHandshake(rejection(parseHandshake(CONCLUSION)!, REJECT_FORBIDDEN, 1))!;
    expect(refused.type).toBe(1000 + REJECT_FORBIDDEN);
    expect(refused.destSocketId).toBe(0x3c389e82);
    const own = parseHandshake(inductionRequest({ socketId: 5, isn: 9, timestamp: 1 }))!;
    expect(own).toMatchObject({ version: 4, extensionField: 2, type: HS_INDUCTION, socketId: 5, cookie: 0 });
  });

  it("hands a conclusion on with the listener's cookie and socket, the rest unchanged", () => {
    const withDest = Buffer.from(CONCLUSION);
    withDest.writeUInt32BE(77, 12);
    const out = rewriteHandshake(withDest, { cookie: 0x11223344, destFrom: 77, destTo: 99 });
    expect(parseHandshake(out)).toMatchObject({
      cookie: 0x11223344,
      destSocketId: 99,
      streamId: 'publish:ls_abc-Key_1',
    });
    expect(out.subarray(48)).toEqual(withDest.subarray(48));
    expect(parseHandshake(withDest)?.cookie).toBe(0xabcdef01);
    const untouched = rewriteHandshake(CONCLUSION, { cookie: 1, destFrom: 77, destTo: 99 });
    expect(parseHandshake(untouched)?.destSocketId).toBe(0);
  });
});
