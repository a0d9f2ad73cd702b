import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { retryDelayMs } from '../jobs/backoff.ts';
import { ifRangeValidator, parseContentRange } from './content-range.ts';
import { httpStatusError, ImportError } from './import-error.ts';
import { safeFetch, type SafeFetchOptions, type SafeFetchResponse } from './safe-fetch.ts';

export interface DownloadOptions extends Omit<SafeFetchOptions, 'headers' | 'deadline' | 'maxBytes'> {
  /** The largest file accepted. Default 16 GiB. */
  maxBytes?: number;
  /** The whole download, every retry included, must finish within this. Default 2 hours. */
  timeoutMs?: number;
  /** Attempts in a row that may fail without bringing new bytes before giving up. Default 4. */
  retries?: number;
  /** Backoff between those attempts. Default 1 s doubling up to 15 s. */
  retryDelay?: { baseMs: number; maxMs: number };
  onProgress?: (bytes: number, total: number | undefined) => void;
}

export interface DownloadResult {
  size: number;
  /** As the source declared it; advisory only. */
  contentType: string | undefined;
  /** The URL that answered last, after redirects. It may carry secrets: show it only through redactUrl. */
  url: URL;
  /** Requests made, the first included. */
  attempts: number;
}

export const DEFAULT_MAX_BYTES = 16 * 1024 ** 3;

interface State {
  /** How many bytes at the start of the file are good; any after them are stale and get cut. */
  offset: number;
  total: number | undefined;
  validator: string | undefined;
  contentType: string | undefined;
  url: URL | undefined;
}

/**
 * Downloads `url` into `filePath` (created or truncated). A connection lost midway is resumed
 * with `Range: bytes=N-` and `If-Range`, so a file that changed meanwhile is fetched whole again
 * instead of being spliced; a source that ignores Range is read again from the start. Gives up
 * after `retries` failed attempts in a row without new bytes, or at the deadline.
 */
export async function downloadToFile(
  url: string | URL,
  filePath: string,
  opts: DownloadOptions,
): Promise<DownloadResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const retries = opts.retries ?? 4;
  const retryDelay = opts.retryDelay ?? { baseMs: 1000, maxMs: 15_000 };
  const deadline = Date.now() + (opts.timeoutMs ?? 2 * 3600_000);
  const state: State = {
    offset: 0,
    total: undefined,
    validator: undefined,
    contentType: undefined,
    url: undefined,
  };
  const file = await open(filePath, 'w+');
  try {
    let attempts = 0;
    let failures = 0;
    let highWater = 0;
    for (;;) {
      attempts++;
      let failure: ImportError | undefined;
      try {
        await attempt(url, file, state, { ...opts, maxBytes, deadline });
        if (state.total === undefined || state.offset >= state.total) {
          await file.truncate(state.offset);
          return {
            size: state.offset,
            contentType: state.contentType,
            url: state.url ?? new URL(url),
            attempts,
          };
        }
      } catch (err) {
        if (!(err instanceof ImportError) || !err.retryable) throw err;
        failure = err;
      }
      if (state.offset > highWater) {
        highWater = state.offset;
        failures = 0;
      } else {
        failures++;
      }
      if (failures > retries) {
        throw (
          failure ?? new ImportError('network', 'the source kept ending the file early', { retryable: true })
        );
      }
      if (failures > 0) {
        const delay = retryDelayMs(failures, retryDelay);
        if (Date.now() + delay >= deadline) {
          throw failure ?? new ImportError('timeout', 'the source did not finish within the time allowed');
        }
        await sleep(delay, undefined, { signal: opts.signal }).catch(() => undefined);
        opts.signal?.throwIfAborted();
      }
    }
  } finally {
    await file.close();
  }
}

/** One request: writes what it brings at its place in the file, which may be the start again. */
async function attempt(
  url: string | URL,
  file: FileHandle,
  state: State,
  opts: DownloadOptions & { maxBytes: number; deadline: number },
): Promise<void> {
  const headers: Record<string, string> = {};
  if (state.offset > 0) {
    headers.range = `bytes=${state.offset}-`;
    if (state.validator !== undefined) headers['if-range'] = state.validator;
  }
  const res = await safeFetch(url, { ...opts, headers });
  // No await before the loop below takes the body: an error emitted meanwhile would go unheard.
  try {
    let position = startOffset(res, state, opts.maxBytes);
    state.url = res.url;
    state.contentType = res.headers['content-type'];
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (position + chunk.length > opts.maxBytes) {
        throw new ImportError('too_large', `the file is larger than the limit of ${opts.maxBytes} bytes`);
      }
      await writeAll(file, chunk, position);
      position += chunk.length;
      state.offset = position;
      opts.onProgress?.(position, state.total);
    }
  } finally {
    res.body.destroy();
  }
}

/**
 * Where this response's body goes in the file, judged from its status and headers. A whole-file
 * answer starts the file again (the bytes past `offset` are cut when the download ends) and
 * tells the file's size and validator.
 */
function startOffset(res: SafeFetchResponse, state: State, maxBytes: number): number {
  const forget = (): void => {
    state.offset = 0;
    state.total = undefined;
    state.validator = undefined;
  };
  if (res.status === 200) {
    // The first answer, a source that ignores Range, or If-Range saying the file changed.
    forget();
    state.total = res.contentLength;
    state.validator = ifRangeValidator(res.headers);
    return 0;
  }
  if (res.status === 206) {
    const range = parseContentRange(res.headers['content-range']);
    if (range === undefined || range.start !== state.offset || changed(res, range.total, state)) {
      forget();
      throw new ImportError(
        'network',
        'the source answered a resumed request with other bytes; starting again',
        {
          retryable: true,
        },
      );
    }
    if (range.total !== undefined && range.total > maxBytes) {
      throw new ImportError(
        'too_large',
        `the file is ${range.total} bytes, more than the limit of ${maxBytes} bytes`,
      );
    }
    state.total ??= range.total;
    state.validator ??= ifRangeValidator(res.headers);
    return state.offset;
  }
  if (res.status === 416 && state.offset > 0) {
    forget();
    throw new ImportError('network', 'the source refused the resumed range; starting again', {
      retryable: true,
    });
  }
  throw httpStatusError(res.status);
}

/** Whether a partial answer says the file is not the one the bytes on disk came from. */
function changed(res: SafeFetchResponse, total: number | undefined, state: State): boolean {
  if (total !== undefined && state.total !== undefined && total !== state.total) return true;
  const { validator } = state;
  if (validator === undefined) return false;
  const now = validator.startsWith('"') ? res.headers.etag : res.headers['last-modified'];
  return now !== undefined && now.trim() !== validator;
}

async function writeAll(file: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await file.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}
