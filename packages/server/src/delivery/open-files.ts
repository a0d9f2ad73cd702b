import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BufferPool } from './buffer-pool.ts';
import { FileRangeStream } from './file-range-stream.ts';

interface Entry {
  handle: Promise<FileHandle>;
  size: Promise<number>;
  /** Reads under way; the descriptor is closed only when there are none. */
  users: number;
  lastUsed: number;
  /** Out of the map after a failed read: closed as soon as its last reader is done. */
  retired: boolean;
}

/** Ranges up to this size are read with one call into one (reused) buffer; longer ones stream. */
export const SINGLE_READ_BYTES = 4 * 1024 * 1024;
const STREAM_CHUNK_BYTES = 512 * 1024;
/** Idle read buffers kept for reuse, at most. */
const POOLED_BYTES = 32 * 1024 * 1024;

/** Bytes read from a file: `release` hands a pooled buffer back once the response is done with it. */
export interface FileBytes {
  body: Buffer | Readable;
  release: () => void;
}

/**
 * Open descriptors of the versioned files /play serves from local disk. A segment then costs one
 * positioned read instead of open, stat, reads and close, each a trip through libuv's thread
 * pool. Versioned files never change, so a descriptor stays right for as long as it is open;
 * descriptors unused for `idleMs` are closed (a removed version's space is then freed). Every read,
 * short or streamed, is positioned on the shared descriptor, which only this class ever closes.
 *
 * @example const files = new OpenFiles(); const bytes = await files.read('/data/a.mp4', 0, 99);
 */
export class OpenFiles {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly buffers = new BufferPool(SINGLE_READ_BYTES, POOLED_BYTES);

  constructor(
    private readonly opts: { maxOpen?: number; idleMs?: number } = {},
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => {
      this.sweep(this.opts.idleMs ?? 30_000);
    }, 10_000);
    this.sweeper.unref();
  }

  /** The file's size; rejects with ENOENT when there is none. */
  async size(path: string): Promise<number> {
    const entry = this.entry(path);
    try {
      return await entry.size;
    } catch (error) {
      this.forget(path, entry);
      throw error;
    }
  }

  /**
   * Bytes start..end (inclusive) of the file: one pooled buffer for ranges up to SINGLE_READ_BYTES,
   * a stream for longer ones. Rejects with ENOENT when the file is missing. Call `release` when the
   * bytes have been sent (or will not be).
   */
  async read(path: string, start: number, end: number): Promise<FileBytes> {
    const entry = this.entry(path);
    entry.users++;
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      this.release(entry);
    };
    let handle: FileHandle;
    try {
      handle = await entry.handle;
    } catch (error) {
      this.forget(path, entry);
      done();
      throw error;
    }
    const length = end - start + 1;
    if (length > SINGLE_READ_BYTES) {
      const stream = new FileRangeStream(handle, start, end, STREAM_CHUNK_BYTES, done);
      // A failed read may mean a bad descriptor: later requests open the file again.
      stream.once('error', () => {
        this.forget(path, entry);
      });
      return {
        body: stream,
        release: () => {
          stream.destroy();
        },
      };
    }
    const buffer = this.buffers.take(length);
    try {
      const { bytesRead } = await handle.read(buffer, 0, length, start);
      let given = false;
      return {
        body: buffer.subarray(0, bytesRead),
        release: () => {
          // Twice in the pool would lend one buffer to two responses.
          if (given) return;
          given = true;
          this.buffers.give(buffer);
        },
      };
    } catch (error) {
      this.buffers.give(buffer);
      this.forget(path, entry);
      throw error;
    } finally {
      done();
    }
  }

  /** Descriptors kept open (or being opened) now. */
  get openCount(): number {
    return this.entries.size;
  }

  /** Closes every descriptor nobody is reading from. */
  close(): void {
    clearInterval(this.sweeper);
    this.sweep(0);
  }

  private entry(path: string): Entry {
    let entry = this.entries.get(path);
    if (!entry) {
      if (this.entries.size >= (this.opts.maxOpen ?? 512)) this.sweep(0);
      const handle = open(path, 'r');
      const size = handle.then(async (h) => (await h.stat()).size);
      // Both are awaited by callers; a failure here is theirs to see, not an unhandled rejection.
      size.catch(() => undefined);
      entry = { handle, size, users: 0, lastUsed: this.now(), retired: false };
      this.entries.set(path, entry);
    }
    entry.lastUsed = this.now();
    return entry;
  }

  private release(entry: Entry): void {
    entry.users--;
    entry.lastUsed = this.now();
    if (entry.retired && entry.users === 0) closeHandle(entry);
  }

  /** Takes the entry out of the map; its descriptor is closed once nobody reads from it. */
  private forget(path: string, entry: Entry): void {
    if (this.entries.get(path) === entry) this.entries.delete(path);
    if (entry.retired) return;
    entry.retired = true;
    if (entry.users === 0) closeHandle(entry);
  }

  private sweep(idleMs: number): void {
    const now = this.now();
    for (const [path, entry] of this.entries) {
      if (entry.users > 0 || now - entry.lastUsed < idleMs) continue;
      this.forget(path, entry);
    }
  }
}

function closeHandle(entry: Entry): void {
  entry.handle.then((h) => h.close()).catch(() => undefined);
}
