import type { MediaRow } from '../db/schema.ts';

/** The index file of a complete version; the first playable one is `index-playable.json`. */
export const FULL_INDEX = 'index.json';
/** The index file of the first playable version. */
export const PLAYABLE_INDEX = 'index-playable.json';

/** A complete version is published: a failure of a later reprocess keeps it playing. */
export function isFullyPublished(media: Pick<MediaRow, 'playback_index' | 'playback_prefix'>): boolean {
  return media.playback_index === FULL_INDEX && media.playback_prefix !== null;
}
