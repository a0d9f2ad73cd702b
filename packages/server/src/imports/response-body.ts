import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { ImportError } from './import-error.ts';

export interface ResponseBodyOptions {
  /** More bytes than this fail the body with `too_large`. */
  maxBytes: number;
  /** Socket inactivity allowed while the body is wanted, in ms. */
  idleTimeoutMs: number;
  /** The error for a connection that ended before the body did. */
  dropped: (bytes: number, cause?: unknown) => ImportError;
  /** Called once when the body is finished with, however that happened. */
  onClose: () => void;
}

/**
 * A response's body as a stream that fails with an ImportError when the source sends too much,
 * goes quiet, or drops the connection. The idle clock only runs while the reader wants bytes.
 */
export function responseBody(res: IncomingMessage, opts: ResponseBodyOptions): Readable {
  let received = 0;
  const socket = res.socket;
  const watch = (on: boolean): void => {
    socket.setTimeout(on ? opts.idleTimeoutMs : 0);
  };
  const onTimeout = (): void => {
    body.destroy(
      new ImportError('timeout', `the source sent nothing for ${seconds(opts.idleTimeoutMs)}`, {
        retryable: true,
      }),
    );
  };

  const body = new Readable({
    read() {
      watch(true);
      res.resume();
    },
    destroy(err, callback) {
      watch(false);
      socket.off('timeout', onTimeout);
      res.destroy();
      opts.onClose();
      callback(err);
    },
  });

  socket.on('timeout', onTimeout);
  // Nothing flows, and the idle clock does not run, until the reader first asks.
  res.pause();
  res.on('data', (chunk: Buffer) => {
    if (body.destroyed) return;
    received += chunk.length;
    if (received > opts.maxBytes) {
      body.destroy(
        new ImportError('too_large', `the file is larger than the limit of ${opts.maxBytes} bytes`),
      );
      return;
    }
    if (!body.push(chunk)) {
      watch(false);
      res.pause();
    }
  });
  res.on('end', () => {
    body.push(null);
  });
  res.on('error', (err) => body.destroy(opts.dropped(received, err)));
  res.on('close', () => {
    if (!res.complete) body.destroy(opts.dropped(received));
  });
  return body;
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
