import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through stream that counts bytes, optionally hashes them with SHA-256, and fails
 * when the stream is longer or shorter than an expected size.
 */
export class ByteMeter extends Transform {
  bytes = 0;
  private readonly hash: Hash | undefined;
  private readonly expectedSize: number | undefined;

  constructor(opts: { sha256?: boolean | undefined; expectedSize?: number | undefined } = {}) {
    super();
    this.hash = opts.sha256 ? createHash('sha256') : undefined;
    this.expectedSize = opts.expectedSize;
    if (
      this.expectedSize !== undefined &&
      !(Number.isSafeInteger(this.expectedSize) && this.expectedSize >= 0)
    ) {
      throw new RangeError(`size must be a whole number >= 0, got ${String(this.expectedSize)}`);
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      callback(this.sizeError());
      return;
    }
    this.hash?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.expectedSize !== undefined && this.bytes !== this.expectedSize ? this.sizeError() : null);
  }

  /** The hex SHA-256 of everything that passed, once the stream has ended (undefined when not asked for). */
  digest(): string | undefined {
    return this.hash?.digest('hex');
  }

  private sizeError(): Error {
    return sizeMismatchError(
      this.expectedSize ?? 0,
      this.bytes > (this.expectedSize ?? 0) ? 'more' : this.bytes,
    );
  }
}

/** The error for a body whose length is not the announced one. */
export function sizeMismatchError(expected: number, got: number | 'more'): Error {
  return new Error(`expected ${expected} bytes, got ${got}`);
}
