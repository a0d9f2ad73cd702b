import { generate, sample } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusUpload } from '../../test/media-upload.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import type { MediaJson } from '../media/media.schemas.ts';

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  pollMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * The worker's two ordinary slots are busy with long ladders (two 720p sources of two minutes,
 * each a minute or more of encoding on two cores); a new upload still becomes playable within two
 * seconds of its last byte, because making it playable runs in the slot reserved for that step.
 */
describe('the playable lane', () => {
  let kino: TestKino;
  let base: string;
  let key: string;

  beforeAll(async () => {
    kino = await startTestKino('sqlite');
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    key = (await kino.tenant()).key;
    kino.start();
  }, 60_000);

  afterAll(async () => {
    // The ladders are not waited for: stopping aborts them.
    await kino.close({ graceMs: 0 });
  });

  const mediaOf = async (id: string) => (await kino.call(key, 'GET', `/v1/media/${id}`)).json<MediaJson>();

  /** Uploads the short clip; the seconds from its last byte to playable, and its id. */
  async function timeToPlayable(file: string, title: string) {
    const { mediaId } = await tusUpload(base, key, file, { filename: 'short.mp4', title });
    const lastByte = Date.now();
    await until(
      `${title} playable`,
      async () => ((await mediaOf(mediaId)).playable ? true : undefined),
      60_000,
    );
    return { seconds: (Date.now() - lastByte) / 1000, mediaId };
  }

  it('makes a new upload playable within 2 s while long ladders hold the other slots', async () => {
    const long = await generate({ width: 1280, height: 720, durationSec: 120 });
    const short = await sample('h264-aac-720p');
    // The same clip on an idle worker, for comparison on a machine busy with other work.
    const idle = await timeToPlayable(short, 'short, idle');
    await until(
      'the idle clip ready',
      async () => ((await mediaOf(idle.mediaId)).status === 'ready' ? true : undefined),
      60_000,
    );

    const longIds: string[] = [];
    for (const title of ['long 1', 'long 2']) {
      longIds.push((await tusUpload(base, key, long, { filename: 'long.mp4', title })).mediaId);
    }
    // Both long media are playable (their first step is done) and their ladders hold both slots.
    const encodingLong = async () =>
      (
        await kino.database.db
          .selectFrom('jobs')
          .select('payload')
          .where('type', '=', 'media.encode')
          .where('state', '=', 'running')
          .execute()
      ).filter((j) => longIds.some((id) => j.payload.includes(id))).length;
    await until(
      'two long ladders under way',
      async () => ((await encodingLong()) === 2 ? true : undefined),
      120_000,
    );

    const busy = await timeToPlayable(short, 'short, beside two ladders');
    // The long ladders were still running: the short one did not wait for a slot to free (it
    // would have waited a minute or more).
    expect(await encodingLong()).toBe(2);
    const figures = `${busy.seconds.toFixed(2)} s beside two ladders, ${idle.seconds.toFixed(2)} s idle`;
    console.log(`time to playable: ${figures}`);
    // Under 2 s; on a machine other work already slows down, no more than twice the idle time.
    expect(busy.seconds, figures).toBeLessThan(Math.max(2, 2 * idle.seconds));
  }, 300_000);
});
