import { open } from 'node:fs/promises';

const TUS = { 'tus-resumable': '1.0.0' };
const CHUNK_BYTES = 8 * 1024 * 1024;
/** The final PATCH carries only this much, so its start is within a millisecond of the last byte. */
const LAST_CHUNK_BYTES = 64 * 1024;

export interface Uploaded {
  mediaId: string;
  /** performance.now() and Date.now() as the final PATCH (the last bytes) was sent. */
  lastByteAt: { perf: number; epoch: number };
  /** performance.now() when the server answered it: the upload is complete and the media queued. */
  answeredAt: number;
}

/**
 * Uploads a file to Kino's tus endpoint as any tus client does (creation with Upload-Length and
 * Upload-Metadata, then PATCH requests), timing the last one.
 *
 * @example const { mediaId, lastByteAt } = await tusUpload('http://127.0.0.1:8080', key, '/tmp/clip.mp4', { title: 'Clip' });
 */
export async function tusUpload(
  baseUrl: string,
  apiKey: string,
  file: string,
  metadata: Record<string, string>,
): Promise<Uploaded> {
  const handle = await open(file);
  try {
    const size = (await handle.stat()).size;
    const auth = { authorization: `Bearer ${apiKey}` };
    const encoded = Object.entries(metadata)
      .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
      .join(',');
    const created = await fetch(`${baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...auth, 'upload-length': String(size), 'upload-metadata': encoded },
    });
    await created.arrayBuffer();
    const location = created.headers.get('location');
    const mediaId = created.headers.get('kino-media-id');
    if (created.status !== 201 || !location || !mediaId) {
      throw new Error(`tus creation answered ${created.status}`);
    }
    const uploadUrl = new URL(location, `${baseUrl}/v1/uploads/`).toString();
    const lastStart = Math.max(0, size - LAST_CHUNK_BYTES);
    let offset = 0;
    let lastByteAt = { perf: 0, epoch: 0 };
    while (offset < size) {
      const end = offset < lastStart ? Math.min(lastStart, offset + CHUNK_BYTES) : size;
      const body = Buffer.alloc(end - offset);
      await handle.read(body, 0, body.length, offset);
      if (end === size) lastByteAt = { perf: performance.now(), epoch: Date.now() };
      const res = await fetch(uploadUrl, {
        method: 'PATCH',
        headers: {
          ...TUS,
          ...auth,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(offset),
        },
        body,
      });
      await res.arrayBuffer();
      const next = Number(res.headers.get('upload-offset'));
      if (res.status !== 204 || next !== end) {
        throw new Error(`tus PATCH at ${offset} answered ${res.status} (offset ${next})`);
      }
      offset = next;
    }
    return { mediaId, lastByteAt, answeredAt: performance.now() };
  } finally {
    await handle.close();
  }
}
