import type { BackupManifest } from './backup-manifest.ts';
import { planPrune, unreferencedObjects } from './backup-plan.ts';
import type { BackupStore } from './backup-store.ts';
import { forEachLimit } from './backup-io.ts';

/** Objects younger than this are never pruned: they may belong to a backup still being written. */
const IN_PROGRESS_GRACE_MS = 24 * 3600_000;

export interface PruneReport {
  kept: string[];
  removed: string[];
  removedObjects: number;
}

/**
 * Keeps the `keep` newest backups: the others' manifests go first (so they stop existing), then
 * their files, then the objects no kept backup references.
 */
export async function pruneBackups(store: BackupStore, keep: number, now = Date.now()): Promise<PruneReport> {
  const plan = planPrune(await store.listIds(), keep);
  for (const id of plan.remove) await store.deleteBackup(id);
  const kept: BackupManifest[] = [];
  for (const id of plan.keep) kept.push(await store.readManifest(id));
  const orphans = unreferencedObjects(await store.storedObjects(), kept, now - IN_PROGRESS_GRACE_MS);
  await forEachLimit(orphans, 8, (sha256) => store.deleteObject(sha256));
  return { kept: plan.keep, removed: plan.remove, removedObjects: orphans.length };
}
