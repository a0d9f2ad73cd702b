import type { MediaRow } from '../../db/schema.ts';

/** The `data` of a media event: enough to act on, without URLs that depend on the public address. */
export function mediaEventData(row: MediaRow) {
  return {
    id: row.id,
    status: row.status,
    playable: row.playable === 1,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
  };
}
