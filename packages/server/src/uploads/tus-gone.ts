import { ERRORS, type DataStore } from '@tus/utils';

/** The tus stores throw these plain objects for an upload that is not there (any more). */
export function isGone(err: unknown): boolean {
  const status = (err as { status_code?: unknown } | null)?.status_code;
  return (
    err === ERRORS.FILE_NOT_FOUND || err === ERRORS.FILE_NO_LONGER_EXISTS || status === 404 || status === 410
  );
}

/** Removes an upload through its tus store; one that is not there (any more) counts as removed. */
export function uploadRemover(store: Pick<DataStore, 'remove'>): (uploadId: string) => Promise<void> {
  return async (uploadId) => {
    await store.remove(uploadId).catch((err: unknown) => {
      if (!isGone(err)) throw err;
    });
  };
}
