import fs from 'node:fs';
import path from 'node:path';
import type { Kino } from '../client.ts';
import type { MediaMilestone } from '../wait.ts';
import { progressView } from './progress.ts';
import { UploadStateFile } from './upload-state.ts';
import { UsageError } from './cli-config.ts';

/** File extensions taken from a folder (a file named on the command line is taken whatever its name). */
const MEDIA_EXTENSIONS = new Set(
  ['mp4', 'm4v', 'mov', 'mkv', 'webm', 'avi', 'wmv', 'flv', 'mpg', 'mpeg', 'ts', 'mts', 'm2ts', '3gp', 'ogv']
    .concat(['mp3', 'm4a', 'aac', 'wav', 'flac', 'ogg', 'opus'])
    .map((ext) => `.${ext}`),
);

export interface UploadCommandOptions {
  paths: string[];
  title?: string;
  visibility?: 'public' | 'private';
  wait?: MediaMilestone;
  stateFile: string;
}

/** The files to upload: each named file, and the media files inside each named folder (recursively, sorted). */
export function filesToUpload(paths: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && MEDIA_EXTENSIONS.has(path.extname(entry.name).toLowerCase()))
        files.push(full);
    }
  };
  for (const p of paths) {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (!stat) throw new UsageError(`${p}: no such file or folder`);
    if (stat.isDirectory()) walk(p);
    else files.push(p);
  }
  return files;
}

/**
 * Uploads the files one after the other, each resumable: a file finished by an earlier run is
 * skipped, one an earlier run started is resumed from the bytes the server has. Prints
 * `<media id>\t<file>` on stdout for each file, progress on stderr. Returns the media ids.
 */
export async function uploadFiles(kino: Kino, options: UploadCommandOptions): Promise<string[]> {
  const files = filesToUpload(options.paths);
  if (files.length === 0) throw new UsageError('no media files to upload');
  const state = new UploadStateFile(options.stateFile);
  const mediaIds: string[] = [];
  for (const file of files) {
    const key = UploadStateFile.keyOf(kino.baseUrl, file);
    const known = state.get(key);
    const name = path.basename(file);
    if (known?.completed) {
      process.stderr.write(`${name}: uploaded before (${known.mediaId})\n`);
    } else {
      const view = progressView(name, process.stderr);
      const { mediaId, uploadUrl } = await kino.upload(fs.createReadStream(file), {
        ...(options.title !== undefined && {
          title: files.length > 1 ? `${options.title} – ${name}` : options.title,
        }),
        ...(options.visibility !== undefined && { visibility: options.visibility }),
        ...(known && { uploadUrl: known.uploadUrl, mediaId: known.mediaId }),
        onUploadUrl: (location) => {
          state.set(key, { ...location, completed: false });
        },
        onResume: (offset) => {
          process.stderr.write(`${name}: resuming at byte ${offset}\n`);
        },
        onProgress: (sent, total) => {
          view.update(sent, total);
        },
      });
      state.set(key, { uploadUrl, mediaId, completed: true });
      view.done(`${name}: uploaded (${mediaId})`);
    }
    const mediaId = state.get(key)?.mediaId ?? '';
    process.stdout.write(`${mediaId}\t${file}\n`);
    mediaIds.push(mediaId);
  }
  if (options.wait) {
    const milestone = options.wait;
    for (const id of mediaIds) {
      await kino.media.waitFor(id, milestone, { timeoutMs: 60 * 60_000 });
      process.stderr.write(`${id}: ${milestone}\n`);
    }
  }
  return mediaIds;
}
