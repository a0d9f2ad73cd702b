import type { MediaRow, OriginalTier } from '../../db/schema.ts';
import type { Repositories } from '../../repositories/repositories.ts';
import { MEDIA_JOB_KEY, ORIGINAL_READER_KEY_SUFFIXES, restoreOriginalKey } from '../media-job-keys.ts';
import type { LifecycleTx } from './media-lifecycle.ts';

/**
 * Where a media's original is, as a state machine beside the media's status:
 *
 * ```
 * hot ──cooling-started──▶ cooling ──moved-cold──▶ cold ──restore-started──▶ restoring
 *  ▲                          │                     │                            │
 *  └───────────restored───────┴─────────────────────┴────────────────────────────┘
 * ```
 *
 * `cooling` is recorded before the object moves and `cold` after, so a move that stops half-way
 * is found and finished by the next sweep. `restored` is taken from any cold-ish tier because the
 * storage's restore is idempotent: it answers `hot` whatever the object's actual place was.
 */
export type OriginalTierTransition = 'cooling-started' | 'moved-cold' | 'restore-started' | 'restored';

const FROM: Record<OriginalTierTransition, { from: readonly OriginalTier[]; to: OriginalTier }> = {
  'cooling-started': { from: ['hot'], to: 'cooling' },
  'moved-cold': { from: ['cooling'], to: 'cold' },
  'restore-started': { from: ['cold'], to: 'restoring' },
  restored: { from: ['cooling', 'cold', 'restoring'], to: 'hot' },
};

/** The tier a transition leads to from `tier`, or null when it does not apply there. */
export function nextOriginalTier(
  tier: OriginalTier,
  transition: OriginalTierTransition,
): OriginalTier | null {
  const move = FROM[transition];
  return move.from.includes(tier) ? move.to : null;
}

/**
 * Takes the transition when the media's original is in a tier it applies to (checked in the
 * update itself, so two processes never both take it); undefined when it did not apply or the
 * media is gone.
 */
export function moveOriginal(
  repos: Pick<Repositories, 'media'>,
  media: Pick<MediaRow, 'tenant_id' | 'id'>,
  transition: OriginalTierTransition,
  now: number,
): Promise<MediaRow | undefined> {
  const move = FROM[transition];
  // An original starts cooling only while no job reads it (one enqueued since it was listed).
  const unlessJobs =
    transition === 'cooling-started'
      ? { keyPrefix: MEDIA_JOB_KEY.prefix, keySuffixes: ORIGINAL_READER_KEY_SUFFIXES }
      : undefined;
  return repos.media.setOriginalTier(media.tenant_id, media.id, move.from, move.to, now, unlessJobs);
}

/** The original must be restored before it is read (anything but hot). */
export function needsRestore(media: Pick<MediaRow, 'original_tier'>): boolean {
  return media.original_tier !== 'hot';
}

/**
 * A cold original is asked for: its restore job is enqueued (one per media; asking again joins
 * it) and the media shows `restoring` at once. With `reprocess`, the restore job starts the
 * reprocess once the original is back. Returns the media as it now is.
 */
export async function requestRestore(
  tx: LifecycleTx,
  media: MediaRow,
  opts: { reprocess: boolean },
): Promise<MediaRow> {
  await tx.queue.enqueue(tx.repos, {
    type: 'media.restore-original',
    payload: { tenantId: media.tenant_id, mediaId: media.id, reprocess: opts.reprocess },
    tenantId: media.tenant_id,
    idempotencyKey: restoreOriginalKey(media.id),
  });
  return (await moveOriginal(tx.repos, media, 'restore-started', tx.now)) ?? media;
}
