import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * A live session's work folder (see sessionWorkdir): `{media id}-p{period}-{ms}`; or an SRT
 * remuxer's (srt-ingest.ts), which stays empty: removing a running one's takes nothing from it.
 */
const SESSION_FOLDER = /^(med_[a-z0-9]+-p\d+-\d+|srt-[A-Za-z0-9]{6})$/;

/**
 * Removes the work folders of live sessions that ended without removing their own: a live process
 * killed -9 leaves ffmpeg's unfinished segments behind. A session writes a segment every few
 * seconds into its track folders, so a folder neither it nor its track folders changed for
 * `quietForMs` belongs to no running session, in this process or another sharing the folder.
 * Returns the names removed.
 */
export async function sweepLiveWorkFolders(
  workRoot: string,
  quietForMs: number,
  now: number,
): Promise<string[]> {
  const entries = await fs.readdir(workRoot, { withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !SESSION_FOLDER.test(entry.name)) continue;
    const full = path.join(workRoot, entry.name);
    if (now - (await lastChange(full)) < quietForMs) continue;
    await fs.rm(full, { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed;
}

async function lastChange(folder: string): Promise<number> {
  let newest = (await fs.stat(folder).catch(() => null))?.mtimeMs ?? Infinity;
  const inside = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
  for (const entry of inside) {
    const stat = await fs.stat(path.join(folder, entry.name)).catch(() => null);
    if (stat) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}
