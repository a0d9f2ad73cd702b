import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sample } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { tusUpload } from '../../test/media-upload.ts';
import { verifySignature } from './webhook-signature.ts';

interface Delivered {
  signature: string;
  eventId: string;
  body: string;
  type: string;
  data: { id: string; status: string };
}

describe('webhooks from a real upload', () => {
  let kino: MediaKino;
  let base: string;
  let server: http.Server;
  let receiverUrl: string;
  const delivered: Delivered[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const parsed = JSON.parse(body) as Pick<Delivered, 'type' | 'data'>;
        delivered.push({
          ...parsed,
          body,
          signature: String(req.headers['kino-signature']),
          eventId: String(req.headers['kino-event-id']),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    kino = await startMediaKino('sqlite+disk', { importAllowPrivate: true });
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await kino.close();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  async function eventsFor(mediaId: string, last: string, timeoutMs = 60_000): Promise<Delivered[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const mine = delivered.filter((d) => d.data.id === mediaId);
      if (mine.some((d) => d.type === last)) return mine;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no ${last} for ${mediaId}`);
  }

  it('sends upload.completed, media.playable and media.ready, signed, and media.errored for a broken file', async () => {
    const { key } = await kino.tenant();
    const created = await kino.call(key, 'POST', '/v1/webhooks', { url: receiverUrl });
    expect(created.statusCode).toBe(201);
    const { secret } = created.json<{ secret: string }>();

    const { mediaId } = await tusUpload(base, key, await sample('audio-only-m4a'), { filename: 'a.m4a' });
    const events = await eventsFor(mediaId, 'media.ready');
    expect(events.map((e) => e.type)).toEqual(['upload.completed', 'media.playable', 'media.ready']);
    for (const e of events) {
      const nowSeconds = Math.floor(Date.now() / 1000);
      expect(verifySignature(secret, e.signature, e.body, { nowSeconds, toleranceSeconds: 300 })).toBe(true);
    }
    expect(new Set(events.map((e) => e.eventId)).size).toBe(3);

    const broken = await tusUpload(base, key, await sample('truncated'), { filename: 't.mp4' });
    const failed = await eventsFor(broken.mediaId, 'media.errored');
    expect(failed.at(-1)?.data).toMatchObject({ id: broken.mediaId, status: 'errored' });
  }, 120_000);
});
