import fs from 'node:fs';
import path from 'node:path';

/** What kino-upload remembers of one file, so that a second run resumes or skips it. */
export interface FileUploadState {
  uploadUrl: string;
  mediaId: string;
  /** True once every byte is stored: a later run skips the file. */
  completed: boolean;
}

/**
 * The resume state of kino-upload, one JSON file (mode 0600) keyed by the Kino URL and the file's
 * absolute path, size and modification time: a changed file is uploaded anew. Each change is
 * written at once (to a temporary file renamed into place), so a run killed at any moment leaves
 * a state that the next run can use.
 */
export class UploadStateFile {
  private entries: Record<string, FileUploadState>;

  constructor(private readonly file: string) {
    try {
      this.entries = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, FileUploadState>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.entries = {};
    }
  }

  static keyOf(baseUrl: string, file: string): string {
    const stat = fs.statSync(file);
    return [baseUrl, path.resolve(file), stat.size, Math.trunc(stat.mtimeMs)].join('|');
  }

  get(key: string): FileUploadState | undefined {
    return this.entries[key];
  }

  set(key: string, state: FileUploadState): void {
    this.entries[key] = state;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.entries, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
