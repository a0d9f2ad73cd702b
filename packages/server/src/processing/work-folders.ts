import fs from 'node:fs/promises';
import path from 'node:path';

/** A processing attempt's work folder: `{job id}-{attempt}` (see withPreparedSource). */
const ATTEMPT_FOLDER = /^(job_[a-z0-9]+)-(\d+)$/;

export interface WorkFolderSweep {
  workRoot: string;
  /** The jobs among these ids that are running now, with their attempt. */
  runningAttempts(ids: readonly string[]): Promise<{ id: string; attempt: number }[]>;
  /** Folders touched more recently than this are left alone whatever their job's state. */
  quietForMs: number;
  now?: () => number;
}

/**
 * Removes the work folders of attempts that no longer run: an attempt removes its own folder when it
 * ends, but a worker killed mid-way (SIGKILL, a crash, the machine restarted) leaves its folder and
 * its partial outputs behind. A folder stays while its job runs that same attempt, and while a file
 * was created in it within `quietForMs` (the folder's own modification time: a worker whose lease
 * lapsed may still be finishing). Several workers sharing the folder may sweep at once.
 * Returns the names removed.
 */
export async function sweepWorkFolders(sweep: WorkFolderSweep): Promise<string[]> {
  const now = sweep.now?.() ?? Date.now();
  const entries = await fs.readdir(sweep.workRoot, { withFileTypes: true }).catch(() => []);
  const attempts = entries
    .filter((e) => e.isDirectory())
    .map((e) => ({ name: e.name, match: ATTEMPT_FOLDER.exec(e.name) }))
    .flatMap(({ name, match }) =>
      match?.[1] && match[2] ? [{ name, jobId: match[1], attempt: Number(match[2]) }] : [],
    );
  if (attempts.length === 0) return [];
  const running = new Map(
    (await sweep.runningAttempts([...new Set(attempts.map((a) => a.jobId))])).map((r) => [r.id, r.attempt]),
  );
  const removed: string[] = [];
  for (const folder of attempts) {
    if (running.get(folder.jobId) === folder.attempt) continue;
    const full = path.join(sweep.workRoot, folder.name);
    const stat = await fs.stat(full).catch(() => null);
    if (!stat || now - stat.mtimeMs < sweep.quietForMs) continue;
    await fs.rm(full, { recursive: true, force: true });
    removed.push(folder.name);
  }
  return removed;
}
