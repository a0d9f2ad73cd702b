import { describe, expect, it } from 'vitest';
import { attemptPrefix, removeUnpublishedLater } from './unpublished-versions.ts';

describe('removeUnpublishedLater', () => {
  const media = { tenant_id: 'ten_a', id: 'med_b' };

  it('names an attempt version under the media', () => {
    expect(attemptPrefix(media, 'job_x', 3)).toBe('media/ten_a/med_b/job_x-3/');
  });

  it('schedules every prefix but the published one, after the grace, once per prefix', async () => {
    const added: unknown[] = [];
    const queue = {
      add: (spec: unknown) => {
        added.push(spec);
        return Promise.resolve({ job: {}, created: true });
      },
    };
    const published = attemptPrefix(media, 'job_x', 2);
    await removeUnpublishedLater(
      { queue: queue as never, now: () => 1_000 },
      { tenant_id: 'ten_a', playback_prefix: published },
      [attemptPrefix(media, 'job_x', 1), published],
      500,
    );
    expect(added).toEqual([
      {
        type: 'media.remove-files',
        payload: { prefix: 'media/ten_a/med_b/job_x-1/', keys: [] },
        tenantId: 'ten_a',
        runAt: 1_500,
        idempotencyKey: 'remove-unpublished:media/ten_a/med_b/job_x-1/',
      },
    ]);
  });
});
