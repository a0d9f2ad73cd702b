import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ImportError } from './import-error.ts';
import { SNIFF_BYTES, sniffMedia, type MediaFormat } from './media-sniff.ts';
import { redactUrl } from './redact-url.ts';
import { downloadToFile, type DownloadOptions } from './resumable-download.ts';

export interface UrlImportOptions extends DownloadOptions {
  /** A folder for the temporary copy (created if missing); the copy is removed when the import settles. */
  tempDir: string;
}

export interface ImportedFileInfo {
  size: number;
  /** What the first bytes look like; `unknown` is binary for the probe to judge. */
  format: MediaFormat;
  /** As the source declared it; advisory only. */
  contentType: string | undefined;
  /** The last segment of the URL path, decoded, when there is one (a default title). */
  filename: string | undefined;
  /** The URL that answered, after redirects, without its secrets. */
  source: string;
  /** Requests made; more than one means the download was resumed or retried. */
  attempts: number;
}

export interface ImportedFile extends ImportedFileInfo {
  /** The complete local copy; it is deleted once the sink settles. */
  path: string;
  /** A fresh stream of the whole file. */
  open(): Readable;
}

/** Takes the finished, sniffed file somewhere, typically `storage.put(key, file.open(), { size: file.size })`. */
export type ImportSink<T> = (file: ImportedFile) => Promise<T>;

export type ImportResult<T> = ImportedFileInfo & { stored: T };

/**
 * Imports the file at `url`: downloads it through safeFetch into a temporary file (resuming a
 * dropped connection), checks that it looks like media, then hands it to `sink`. Throws an
 * ImportError whose `reason` says what went wrong and whose message is free of the URL's secrets.
 *
 * @example
 * const { stored, format } = await importFromUrl(url, (file) => storage.put(key, file.open(), { size: file.size }), {
 *   tempDir, allowPrivate: config.importAllowPrivate, maxBytes, signal,
 * });
 */
export async function importFromUrl<T>(
  url: string,
  sink: ImportSink<T>,
  opts: UrlImportOptions,
): Promise<ImportResult<T>> {
  await mkdir(opts.tempDir, { recursive: true });
  const dir = await mkdtemp(path.join(opts.tempDir, 'import-'));
  try {
    const filePath = path.join(dir, 'source');
    const download = await downloadToFile(url, filePath, opts);
    const sniffed = sniffMedia(await readHead(filePath));
    if (!sniffed.media) throw new ImportError('not_media', sniffed.message);
    const info: ImportedFileInfo = {
      size: download.size,
      format: sniffed.format,
      contentType: download.contentType,
      filename: lastSegment(download.url),
      source: redactUrl(download.url),
      attempts: download.attempts,
    };
    const stored = await sink({ ...info, path: filePath, open: () => createReadStream(filePath) });
    return { ...info, stored };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readHead(filePath: string): Promise<Buffer> {
  const file = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await file.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function lastSegment(url: URL): string | undefined {
  const segment = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment) || undefined;
  } catch {
    return segment || undefined;
  }
}
