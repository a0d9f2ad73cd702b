import fs from 'node:fs';
import { Upload } from 'tus-js-client';

export interface TusResult {
  mediaId: string;
  /** The upload's id: the storage key of the original. */
  uploadId: string;
  /** Creation requests (POST) sent: 1 when every interruption was resumed, never restarted. */
  creations: number;
  /** PATCH requests sent. */
  patches: number;
}

/**
 * Uploads a file with tus-js-client, the way applications do, retrying through failures
 * (about a minute of patience in all).
 */
export function tusUpload(
  endpoint: string,
  key: string,
  file: string,
  opts: { metadata?: Record<string, string>; onProgress?: (sent: number) => void } = {},
): Promise<TusResult> {
  let creations = 0;
  let patches = 0;
  let mediaId: string | undefined;
  return new Promise((resolve, reject) => {
    const upload = new Upload(fs.createReadStream(file), {
      endpoint,
      headers: { authorization: `Bearer ${key}` },
      metadata: { filename: file.split('/').pop() ?? 'upload', ...opts.metadata },
      retryDelays: [0, 300, 1000, 1000, 2000, 3000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000],
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'POST') creations++;
        if (req.getMethod() === 'PATCH') patches++;
      },
      onAfterResponse: (req, res) => {
        if (req.getMethod() === 'POST') mediaId ??= res.getHeader('Kino-Media-Id');
      },
      onProgress: opts.onProgress,
      onSuccess: () => {
        const uploadId = upload.url?.split('/').pop();
        if (!mediaId || !uploadId) reject(new Error('the upload finished without a media id'));
        else resolve({ mediaId, uploadId, creations, patches });
      },
      onError: reject,
    });
    upload.start();
  });
}
