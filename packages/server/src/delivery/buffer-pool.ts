const MIN_CLASS_BYTES = 64 * 1024;

/**
 * Reusable buffers in power-of-two sizes for segment reads. A fresh buffer of a megabyte costs page
 * faults and garbage collection on every request; a reused one costs neither. Keeps at most
 * `maxRetainedBytes` of idle buffers.
 *
 * @example const buf = pool.take(700_000); ...; pool.give(buf); // buf.length is 1 MiB
 */
export class BufferPool {
  private readonly idle = new Map<number, Buffer[]>();
  private retained = 0;

  constructor(
    readonly maxBufferBytes: number,
    private readonly maxRetainedBytes: number,
  ) {}

  /** A buffer of at least `length` bytes (a power of two), with old content: callers overwrite what they use. */
  take(length: number): Buffer {
    if (length > this.maxBufferBytes) throw new RangeError(`${length} bytes is more than this pool lends`);
    const size = sizeClass(length);
    const buffer = this.idle.get(size)?.pop();
    if (buffer) {
      this.retained -= size;
      return buffer;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Hands a buffer from `take` back once nothing reads it any more. */
  give(buffer: Buffer): void {
    const size = buffer.length;
    if (size !== sizeClass(size) || this.retained + size > this.maxRetainedBytes) return;
    const list = this.idle.get(size) ?? [];
    list.push(buffer);
    this.idle.set(size, list);
    this.retained += size;
  }
}

function sizeClass(length: number): number {
  let size = MIN_CLASS_BYTES;
  while (size < length) size *= 2;
  return size;
}
