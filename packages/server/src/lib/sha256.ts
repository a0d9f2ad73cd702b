import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** SHA-256 of a stream, as lowercase hex; stops (and destroys the stream) when `signal` aborts. */
export async function sha256Of(stream: Readable, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const onAbort = () =>
    stream.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return hash.digest('hex');
}
