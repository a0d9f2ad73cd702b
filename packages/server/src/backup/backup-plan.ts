import type { BackupManifest, BackupObject } from './backup-manifest.ts';

/** A live object as listed and dated now. */
export interface LiveObject {
  key: string;
  size: number;
  modifiedMs: number;
  etag?: string | undefined;
}

export interface ObjectPlan {
  /** Objects unchanged since the previous backup: their hash is known and their bytes are in the backup. */
  unchanged: BackupObject[];
  /** Objects to read (hash, and copy when the backup lacks their bytes). */
  toRead: LiveObject[];
}

/**
 * Splits the live objects into those the previous backup already holds (same key, size, date and
 * version tag: Kino never rewrites an object in place, so its bytes are the same) and those to read.
 * An object of the previous backup counts only when its bytes are still in the backup store.
 */
export function planObjects(
  live: LiveObject[],
  previous: BackupObject[],
  storedHashes: ReadonlySet<string>,
): ObjectPlan {
  const known = new Map(previous.map((o) => [o.key, o]));
  const unchanged: BackupObject[] = [];
  const toRead: LiveObject[] = [];
  for (const object of live) {
    const before = known.get(object.key);
    if (
      before !== undefined &&
      before.size === object.size &&
      before.modifiedMs === object.modifiedMs &&
      before.etag === object.etag &&
      storedHashes.has(before.sha256)
    ) {
      unchanged.push(before);
    } else {
      toRead.push(object);
    }
  }
  return { unchanged, toRead };
}

/** The manifests newest first (ids sort by their start time). */
export function newestFirst(manifests: BackupManifest[]): BackupManifest[] {
  return [...manifests].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Which backup ids to keep and which to remove so that the `keep` newest stay. */
export function planPrune(ids: string[], keep: number): { keep: string[]; remove: string[] } {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError('keep at least one backup');
  const sorted = [...ids].sort().reverse();
  return { keep: sorted.slice(0, keep), remove: sorted.slice(keep) };
}

/**
 * The stored object hashes no kept backup references, old enough not to belong to a backup that is
 * still being written (its manifest, written last, does not exist yet).
 */
export function unreferencedObjects(
  stored: { sha256: string; modifiedMs: number }[],
  kept: BackupManifest[],
  olderThanMs: number,
): string[] {
  const referenced = new Set<string>();
  for (const manifest of kept) for (const o of manifest.objects) referenced.add(o.sha256);
  return stored.filter((s) => !referenced.has(s.sha256) && s.modifiedMs < olderThanMs).map((s) => s.sha256);
}
