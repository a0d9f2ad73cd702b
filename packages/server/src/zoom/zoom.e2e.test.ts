import { sample } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_BACKENDS, startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { startZoomStandin, type StandinMeeting, type ZoomStandin } from '../../test/zoom-standin.ts';

const TRANSCRIPT = `WEBVTT

1
00:00:00.500 --> 00:00:02.000
Alice: Welcome to the algebra class.

2
00:00:02.500 --> 00:00:04.000
Bob: Thanks, glad to be here.
`;

interface MediaJson {
  id: string;
  title: string;
  description: string;
  tags: string[];
  status: string;
  visibility: string;
  playable: boolean;
}

describe.each(MEDIA_BACKENDS)('Zoom import against the Zoom stand-in (%s)', (backend) => {
  let kino: MediaKino;
  let zoom: ZoomStandin;
  let tenant: { id: string; key: string };
  let webhookUrl: string;
  const webhookSecret = 'whsec-standin-0123456789';
  let video: string;

  const meeting = (n: number, over: Partial<StandinMeeting> = {}): StandinMeeting => ({
    uuid: `uuid${n}==`,
    id: 85000000000 + n,
    topic: `Algebra Class ${n}`,
    hostEmail: 'teacher@school.example',
    hostId: 'host_teacher',
    startTime: `2026-11-0${n}T09:00:00Z`,
    durationMinutes: 45,
    files: [
      { id: `rec-${n}-gallery`, fileType: 'MP4', recordingType: 'gallery_view', path: video },
      {
        id: `rec-${n}-speaker`,
        fileType: 'MP4',
        recordingType: 'shared_screen_with_speaker_view',
        path: video,
      },
      {
        id: `rec-${n}-transcript`,
        fileType: 'TRANSCRIPT',
        recordingType: 'audio_transcript',
        text: TRANSCRIPT,
      },
    ],
    ...over,
  });

  const connect = (body: Record<string, unknown>) =>
    kino.app.inject({
      method: 'PUT',
      url: '/v1/zoom/connection',
      headers: { authorization: `Bearer ${tenant.key}` },
      payload: body,
    });

  async function media(id: string): Promise<MediaJson> {
    const res = await kino.call(tenant.key, 'GET', `/v1/media/${id}`);
    expect(res.statusCode).toBe(200);
    return res.json<MediaJson>();
  }

  async function untilReady(id: string): Promise<MediaJson> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const m = await media(id);
      if (m.status === 'ready' || m.status === 'errored' || Date.now() > deadline) return m;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function tracks(id: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await kino.call(tenant.key, 'GET', `/v1/media/${id}/captions`);
      const list = res.json<{ items: { id: string; label: string; language: string }[] }>().items;
      if (list.length > 0 || Date.now() > deadline) return list;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    video = await sample('h264-aac-720p');
    zoom = await startZoomStandin();
    kino = await startMediaKino(backend, {
      importAllowPrivate: true,
      env: { KINO_ZOOM_API_URL: zoom.apiUrl, KINO_ZOOM_OAUTH_URL: zoom.oauthUrl },
    });
    const base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    tenant = await kino.tenant('school');
    const res = await connect({
      ...zoom.account,
      webhookSecretToken: webhookSecret,
    });
    expect(res.statusCode).toBe(200);
    // The answer names the URL as the request reached Kino (here an in-process call).
    expect(res.json<{ webhookUrl: string }>().webhookUrl).toMatch(
      new RegExp(`/v1/zoom/webhooks/${tenant.id}$`),
    );
    webhookUrl = `${base}/v1/zoom/webhooks/${tenant.id}`;
  }, 120_000);
  afterAll(async () => {
    await kino.close();
    await zoom.close();
  });

  it('keeps the secrets to itself and confines the connection to its tenant', async () => {
    const res = await kino.call(tenant.key, 'GET', '/v1/zoom/connection');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(zoom.account.clientSecret);
    expect(res.body).not.toContain(webhookSecret);
    expect(res.json()).toMatchObject({
      accountId: zoom.account.accountId,
      clientSecretSet: true,
      rules: { visibility: 'private' },
    });
    const row = await kino.repos.zoom.getConnection(tenant.id);
    expect(JSON.stringify(row)).not.toContain(zoom.account.clientSecret);
    expect(JSON.stringify(row)).not.toContain(webhookSecret);

    const other = await kino.tenant('other');
    expect((await kino.call(other.key, 'GET', '/v1/zoom/connection')).statusCode).toBe(404);
    expect(
      (await kino.call(other.key, 'POST', '/v1/zoom/backfill', { from: '2026-11-01', to: '2026-11-02' }))
        .statusCode,
    ).toBe(404);
    // Signed with this tenant's secret, sent to the other tenant's endpoint: refused.
    const sent = await zoom.send(
      webhookUrl.replace(tenant.id, other.id),
      webhookSecret,
      '{"event":"x","payload":{}}',
    );
    expect(sent.status).toBe(401);
  });

  it("answers Zoom's endpoint.url_validation challenge", async () => {
    const body = JSON.stringify({
      event: 'endpoint.url_validation',
      payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' },
      event_ts: Date.now(),
    });
    const res = await zoom.send(webhookUrl, webhookSecret, body);
    expect(res.status).toBe(200);
    const { createHmac } = await import('node:crypto');
    expect(res.json).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', webhookSecret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    });
  });

  it('imports recording.completed as a ready media with its title, host and transcript; refuses replays and forgeries; one media per recording', async () => {
    const m1 = meeting(1);
    zoom.meetings.push(m1);
    zoom.cutNextDownload('rec-1-speaker', 200_000);
    const body = zoom.recordingCompletedBody(m1);
    const timestamp = Math.floor(Date.now() / 1000);
    const first = await zoom.send(webhookUrl, webhookSecret, body, { timestamp });
    expect(first.status).toBe(200);
    const outcome = first.json as { outcome: string; mediaId: string; recordingFileId: string };
    expect(outcome).toMatchObject({ outcome: 'imported', recordingFileId: 'rec-1-speaker' });

    // The very same signed request again: a replay.
    const replay = await zoom.send(webhookUrl, webhookSecret, body, { timestamp });
    expect(replay.status).toBe(409);
    expect(replay.json).toMatchObject({ code: 'zoom_replayed' });
    // Forged: signed with another secret; and a stale timestamp with a valid signature.
    const forged = await zoom.send(webhookUrl, 'not-the-secret', zoom.recordingCompletedBody(m1));
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ code: 'zoom_signature_invalid' });
    const stale = await zoom.send(webhookUrl, webhookSecret, zoom.recordingCompletedBody(m1), {
      timestamp: timestamp - 3600,
    });
    expect(stale.status).toBe(401);
    const tampered = await zoom.send(webhookUrl, webhookSecret, body, {
      timestamp: timestamp + 1,
      signature: (await import('../zoom/zoom-signature.ts'))
        .zoomSignature(webhookSecret, String(timestamp + 1), body)
        // The last hex digit changed for sure (replacing it with '0' left one signature in 16 valid).
        .replace(/.$/, (last) => (last === '0' ? '1' : '0')),
    });
    expect(tampered.status).toBe(401);

    const ready = await untilReady(outcome.mediaId);
    expect(ready).toMatchObject({
      status: 'ready',
      playable: true,
      title: 'Algebra Class 1',
      visibility: 'private',
    });
    expect(ready.tags).toEqual(
      expect.arrayContaining(['zoom', 'zoom-host:teacher@school.example', 'zoom-date:2026-11-01']),
    );
    expect(ready.description).toContain('2026-11-01T09:00:00Z');
    // The download was cut once and resumed with a Range request, with the event's download token.
    const gets = zoom.downloads.filter((d) => d.fileId === 'rec-1-speaker');
    expect(
      gets.some((d) => /^bytes=[1-9]\d*-$/.test(d.range ?? '')),
      JSON.stringify(gets),
    ).toBe(true);
    expect(gets.every((d) => d.token?.startsWith('dt_'))).toBe(true);

    const list = await tracks(outcome.mediaId);
    expect(list).toMatchObject([{ label: 'Zoom transcript', language: 'en' }]);
    const vtt = await kino.call(
      tenant.key,
      'GET',
      `/v1/media/${outcome.mediaId}/captions/${list[0]?.id}.vtt`,
    );
    expect(vtt.body).toContain('Welcome to the algebra class.');

    // Zoom sends the same recording again (a retried delivery, a new download token): still one media.
    const again = await zoom.send(webhookUrl, webhookSecret, zoom.recordingCompletedBody(m1));
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ outcome: 'duplicate', mediaId: outcome.mediaId });
    const all = await kino.call(tenant.key, 'GET', '/v1/media?limit=100');
    expect(
      all.json<{ items: MediaJson[] }>().items.filter((m) => m.title === 'Algebra Class 1'),
    ).toHaveLength(1);
  }, 120_000);

  it('backfills past recordings by the rules, through the paged list-recordings API', async () => {
    const rules = { topicContains: 'class', minDurationMinutes: 10, hostEmails: ['teacher@school.example'] };
    const put = await connect({
      ...zoom.account,
      webhookSecretToken: webhookSecret,
      rules,
    });
    expect(put.statusCode).toBe(200);
    zoom.meetings.push(
      meeting(2),
      meeting(3, { topic: 'Staff coffee chat' }),
      meeting(4, { durationMinutes: 3 }),
      meeting(5, {
        files: [{ id: 'rec-5-audio', fileType: 'M4A', recordingType: 'audio_only', path: video }],
      }),
      meeting(6, { startTime: '2026-10-01T09:00:00Z' }),
    );
    const res = await kino.call(tenant.key, 'POST', '/v1/zoom/backfill', {
      userId: 'teacher@school.example',
      from: '2026-11-01',
      to: '2026-11-30',
    });
    expect(res.statusCode).toBe(200);
    const result = res.json<{
      imported: number;
      duplicates: number;
      skipped: number;
      meetings: { outcome: string; reason?: string; mediaId?: string; recordingFileId?: string }[];
    }>();
    expect(result).toMatchObject({ imported: 1, duplicates: 1, skipped: 3 });
    expect(result.meetings.map((m) => m.reason ?? m.outcome).sort()).toEqual([
      'duplicate',
      'duration',
      'imported',
      'no_video',
      'topic',
    ]);
    const imported = result.meetings.find((m) => m.outcome === 'imported');
    expect(imported?.recordingFileId).toBe('rec-2-speaker');
    const ready = await untilReady(imported?.mediaId ?? '');
    expect(ready).toMatchObject({ status: 'ready', title: 'Algebra Class 2' });
    expect(ready.tags).toContain('zoom-host:teacher@school.example');
    expect(await tracks(imported?.mediaId ?? '')).toHaveLength(1);
    // Backfill downloads with the app's access token, not a webhook's download token.
    expect(
      zoom.downloads.filter((d) => d.fileId === 'rec-2-speaker').every((d) => d.token?.startsWith('at_')),
    ).toBe(true);

    // Run again: nothing new.
    const again = await kino.call(tenant.key, 'POST', '/v1/zoom/backfill', {
      userId: 'teacher@school.example',
      from: '2026-11-01',
      to: '2026-11-30',
    });
    expect(again.json()).toMatchObject({ imported: 0, duplicates: 2 });
  }, 120_000);

  it('says so when Zoom refuses the credentials, and refuses bad input', async () => {
    await connect({
      ...zoom.account,
      clientSecret: 'wrong',
      webhookSecretToken: webhookSecret,
    });
    const res = await kino.call(tenant.key, 'POST', '/v1/zoom/backfill', {
      from: '2026-11-01',
      to: '2026-11-02',
    });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ code: 'zoom_unavailable' });
    const bad = await kino.call(tenant.key, 'POST', '/v1/zoom/backfill', {
      from: '2026-11-05',
      to: '2026-11-02',
    });
    expect(bad.statusCode).toBe(400);
    const badRules = await connect({
      ...zoom.account,
      webhookSecretToken: 'x',
      rules: { hostEmails: ['nope'] },
    });
    expect(badRules.statusCode).toBe(400);
    expect((await kino.call(tenant.key, 'DELETE', '/v1/zoom/connection')).statusCode).toBe(204);
    expect((await kino.call(tenant.key, 'GET', '/v1/zoom/connection')).statusCode).toBe(404);
  });
});
