import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/**
 * Bytes start..end (inclusive) of an open file as a stream of positioned reads. Unlike
 * `handle.createReadStream`, it never closes the handle (which other requests share): ending,
 * failing or being destroyed only stops reading. `onClose` runs once, after the last read settled.
 *
 * @example new FileRangeStream(handle, 0, 9_999_999, 512 * 1024, () => release());
 */
export class FileRangeStream extends Readable {
  private position: number;
  private reading: Promise<unknown> | null = null;

  constructor(
    private readonly handle: FileHandle,
    start: number,
    private readonly end: number,
    private readonly chunkBytes: number,
    onClose: () => void,
  ) {
    super({ highWaterMark: chunkBytes });
    this.position = start;
    this.once('close', onClose);
  }

  override _read(): void {
    const length = Math.min(this.chunkBytes, this.end - this.position + 1);
    if (length <= 0) {
      this.push(null);
      return;
    }
    // Each chunk is its own buffer: the response may still hold the previous one.
    const buffer = Buffer.allocUnsafe(length);
    const read = this.handle.read(buffer, 0, length, this.position);
    this.reading = read;
    read.then(
      ({ bytesRead }) => {
        this.reading = null;
        if (this.destroyed) return;
        if (bytesRead === 0) {
          this.destroy(new Error(`the file ended ${this.end - this.position + 1} bytes early`));
          return;
        }
        this.position += bytesRead;
        this.push(bytesRead < length ? buffer.subarray(0, bytesRead) : buffer);
      },
      (error: unknown) => {
        this.reading = null;
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // 'close' (and so the handle's release) waits for a read in flight to settle.
    const pending = this.reading;
    if (!pending) {
      callback(error);
      return;
    }
    const settled = () => {
      callback(error);
    };
    pending.then(settled, settled);
  }
}
