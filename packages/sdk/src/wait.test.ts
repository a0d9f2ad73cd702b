import { describe, expect, it } from 'vitest';
import { KinoMediaError, KinoTimeoutError } from './errors.ts';
import { hasReached, waitForMedia, type MediaState } from './wait.ts';

const media = (
  status: MediaState['status'],
  playable = false,
  error: MediaState['error'] = null,
): MediaState => ({
  id: 'med_1',
  status,
  playable,
  error,
});

describe('waitForMedia', () => {
  it('polls until the milestone: playable before ready', async () => {
    const states = [media('waiting'), media('processing'), media('processing', true), media('ready', true)];
    let polls = 0;
    const get = async () => states[Math.min(polls++, states.length - 1)]!;
    await expect(waitForMedia(get, 'playable', { initialDelayMs: 1 })).resolves.toMatchObject({
      playable: true,
    });
    expect(polls).toBe(3);
    polls = 0;
    await expect(waitForMedia(get, 'ready', { initialDelayMs: 1 })).resolves.toMatchObject({
      status: 'ready',
    });
    expect(polls).toBe(4);
  });

  it('throws the media error code when the media ends errored', async () => {
    const get = async () =>
      media('errored', false, { code: 'corrupt_media', message: 'no decodable stream' });
    const err = await waitForMedia(get, 'ready').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KinoMediaError);
    expect(err).toMatchObject({ code: 'corrupt_media', mediaId: 'med_1' });
  });

  it('gives up after the timeout with the last status', async () => {
    const err = await waitForMedia(async () => media('processing'), 'ready', {
      timeoutMs: 30,
      initialDelayMs: 5,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KinoTimeoutError);
    expect(err).toMatchObject({ lastStatus: 'processing' });
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const waiting = waitForMedia(async () => media('processing'), 'ready', {
      initialDelayMs: 10_000,
      signal: controller.signal,
    });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });

  it('counts a ready media as playable', () => {
    expect(hasReached(media('ready', true), 'playable')).toBe(true);
    expect(hasReached(media('processing', true), 'ready')).toBe(false);
  });
});
