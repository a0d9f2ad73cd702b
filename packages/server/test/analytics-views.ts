import type { AnalyticsViewsTable } from '../src/db/schema.ts';
import type { Insertable } from 'kysely';
import type { Repositories } from '../src/repositories/repositories.ts';
import { bucketOf } from '../src/analytics/latency-histogram.ts';

/** A deterministic stream of numbers in [0, 1) (a linear congruential generator). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A view row with made-up but plausible figures: started, failed, exited before start, or loaded only. */
export function madeUpView(
  random: () => number,
  row: { id: string; tenantId: string; mediaId: string; startedAt: number },
): Insertable<AnalyticsViewsTable> {
  const kind = random();
  const requested = kind > 0.05;
  const started = requested && kind > 0.2;
  const failedBeforeStart = requested && !started && kind > 0.12;
  const startupMs = started ? Math.round(50 + random() ** 3 * 20_000) : null;
  const playingMs = started ? Math.round(random() * 600_000) : 0;
  const rebufferCount = started && random() > 0.7 ? 1 + Math.floor(random() * 4) : 0;
  const fatalAfterStart = started && random() > 0.93;
  return {
    id: row.id,
    tenant_id: row.tenantId,
    media_id: row.mediaId,
    started_at: row.startedAt,
    updated_at: row.startedAt,
    beacon_count: 1,
    player: 'kino-player 0.1.0',
    browser: 'Chrome 130',
    os: 'Linux',
    play_requested: requested ? 1 : 0,
    startup_ms: startupMs,
    startup_bucket: startupMs === null ? null : bucketOf(startupMs),
    playing_ms: playingMs,
    rebuffer_count: rebufferCount,
    rebuffer_ms: rebufferCount * Math.round(random() * 4000),
    bitrate_kbps_ms: Math.round(playingMs * 2500),
    error_code: failedBeforeStart || fatalAfterStart ? 'networkError' : null,
    error_fatal: failedBeforeStart || fatalAfterStart ? 1 : 0,
    failed_before_start: failedBeforeStart ? 1 : 0,
    ended: !started && !failedBeforeStart && random() > 0.3 ? 1 : started ? 1 : 0,
    renditions: '[]',
    seek_count: 0,
    rendition_switches: 0,
    last_t: playingMs,
    cmcd_requests: 0,
  };
}

/** Stores `count` made-up views of the tenants' media, starting at the times `startedAt` draws. */
export async function storeViews(
  repos: Pick<Repositories, 'analytics'>,
  opts: {
    count: number;
    seed: number;
    media: readonly { tenantId: string; mediaId: string }[];
    startedAt: (random: () => number, index: number) => number;
  },
): Promise<void> {
  const random = seeded(opts.seed);
  for (let i = 0; i < opts.count; i++) {
    const media = opts.media[Math.floor(random() * opts.media.length)] ?? opts.media[0];
    if (!media) throw new Error('no media to store views of');
    await repos.analytics.insertView(
      madeUpView(random, { id: `view_${opts.seed}_${i}`, ...media, startedAt: opts.startedAt(random, i) }),
    );
  }
}
