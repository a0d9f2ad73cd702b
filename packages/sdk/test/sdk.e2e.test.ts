import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { generate } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCuttingProxy, type CuttingProxy } from '../../server/test/e2e/cutting-proxy.ts';
import { WebhookReceiver } from '../../server/test/cluster/webhook-receiver.ts';
import { Kino, KinoApiError, verifyWebhook, WebhookVerificationError } from '../src/index.ts';
import { startSdkTestKino, type SdkTestKino } from './kino-fixture.ts';

const execFileAsync = promisify(execFile);

describe('the SDK against a running Kino', () => {
  let server: SdkTestKino | undefined;
  let proxy: CuttingProxy | undefined;
  let receiver: WebhookReceiver | undefined;
  let kino: Kino;

  beforeAll(async () => {
    server = await startSdkTestKino();
    // The first connection that carries more than 250 kB is cut mid-request, once.
    proxy = await startCuttingProxy(server.port, [250_000]);
    receiver = await WebhookReceiver.reserve();
    await receiver.start();
    kino = new Kino({ baseUrl: `http://127.0.0.1:${proxy.port}`, apiKey: server.apiKey });
  });
  afterAll(async () => {
    await receiver?.close();
    await proxy?.close();
    await server?.kino.stop();
  });

  it('uploads through a cut connection, waits until ready, plays with a token, and verifies the webhook', async () => {
    const hook = await kino.webhooks.create({ url: receiver!.url, events: ['media.ready'] });
    const file = await generate({ width: 640, height: 360, durationSec: 4 });

    // Create the media first (its fields), then upload its file into it.
    const created = await kino.media.create({ title: 'SDK upload', visibility: 'private', tags: ['sdk'] });
    expect(created).toMatchObject({ status: 'waiting', playable: false });
    const resumedAt: number[] = [];
    let located: string | undefined;
    const { mediaId, uploadUrl } = await kino.upload(fs.createReadStream(file), {
      mediaId: created.id,
      retryDelays: [0, 200, 500, 1000],
      onUploadUrl: (location) => (located = location.mediaId),
      onResume: (offset) => resumedAt.push(offset),
    });
    expect(mediaId).toBe(created.id);
    expect(proxy!.cuts()).toBe(1);
    expect(located).toBe(mediaId);
    expect(uploadUrl).toContain('/v1/uploads/');
    // tus-js-client asked where to go on after the cut and sent only the rest.
    expect(resumedAt.length).toBe(1);
    expect(resumedAt[0]).toBeGreaterThan(0);
    expect(resumedAt[0]).toBeLessThan(fs.statSync(file).size);

    const media = await kino.media.waitFor(mediaId, 'ready', { timeoutMs: 120_000, initialDelayMs: 200 });
    expect(media).toMatchObject({ id: mediaId, status: 'ready', playable: true, title: 'SDK upload' });

    // Private: the bare playlist is refused; the token's URL plays in ffmpeg.
    expect((await fetch(media.playback!.hls)).status).toBe(401);
    const token = await kino.media.playbackToken(mediaId, { expiresInSeconds: 600 });
    expect(token.playback.hls).toContain(token.token);
    const { stdout } = await execFileAsync('ffprobe', [
      ...['-v', 'error', '-show_entries', 'stream=codec_type,width,height', '-of', 'json'],
      token.playback.hls,
    ]);
    const streams = (JSON.parse(stdout) as { streams: { codec_type: string; width?: number }[] }).streams;
    expect(streams).toContainEqual(expect.objectContaining({ codec_type: 'video', width: 640 }));

    // The media.ready delivery is signed with the endpoint's secret.
    await expect.poll(() => receiver!.received.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const delivery = receiver!.received[0]!;
    const event = await verifyWebhook<{ id: string; status: string }>({
      secret: hook.secret,
      header: delivery.signature,
      rawBody: delivery.body,
    });
    expect(event).toMatchObject({
      id: delivery.eventId,
      type: 'media.ready',
      data: { id: mediaId, status: 'ready' },
    });
    // A changed body, another secret, or a replay of the same request later is refused.
    const refusal = (input: Parameters<typeof verifyWebhook>[0]) =>
      verifyWebhook(input).then(
        () => 'accepted',
        (err: unknown) => (err instanceof WebhookVerificationError ? err.reason : String(err)),
      );
    const base = { secret: hook.secret, header: delivery.signature, rawBody: delivery.body };
    expect(await refusal({ ...base, rawBody: delivery.body.replace('ready', 'errored') })).toBe(
      'signature_mismatch',
    );
    expect(await refusal({ ...base, secret: 'whsec_not_the_secret' })).toBe('signature_mismatch');
    expect(await refusal({ ...base, now: Date.now() + 10 * 60_000 })).toBe('timestamp_out_of_tolerance');
    expect(await refusal({ ...base, header: undefined })).toBe('missing_signature');
  }, 120_000);

  it('pages through every media and throws typed errors with the problem code', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await kino.media.create({ title: `page ${i}` })).id);
    const seen: string[] = [];
    for await (const media of kino.media.all({ limit: 2, status: 'waiting' })) seen.push(media.id);
    expect(seen).toEqual(expect.arrayContaining(created));
    expect(new Set(seen).size).toBe(seen.length);

    const missing = await kino.media.get('med_does_not_exist').catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(KinoApiError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    const invalid = await kino.media.list({ limit: 1000 }).catch((err: unknown) => err);
    expect(invalid).toMatchObject({ status: 400, code: 'invalid_request' });
    const wrongKey = new Kino({ baseUrl: server!.kino.baseUrl, apiKey: 'kino_not_a_key' });
    await expect(wrongKey.media.list()).rejects.toMatchObject({ status: 401 });

    // The generated client reaches every route, typed; here one the hand-written layer leaves alone.
    const { data, error } = await kino.api.GET('/v1/media/{id}/progress', {
      params: { path: { id: created[0]! } },
    });
    expect(error).toBeUndefined();
    expect(data).toBeDefined();
  }, 120_000);
});
