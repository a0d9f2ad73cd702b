import {
  chunksOf,
  confirmSent,
  partsOf,
  updatePart,
  type StoredChunk,
  type StoredPart,
} from './recorder-store.ts';

const TUS = { 'Tus-Resumable': '1.0.0' };
const OCTETS = 'application/offset+octet-stream';
const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/** Thrown for answers worth trying again later (the network, the server restarting). */
class RetryLater extends Error {}

/**
 * Sends a recording's parts to Kino by tus (by fetch), chunk by chunk as they are stored, and
 * removes each chunk from the browser's store once the server confirmed its bytes. Without a
 * network it waits and tries again; nothing is dropped. One loop per recording: `kick` after a
 * chunk is stored, `whenSent` to wait until every closed part is on the server whole.
 */
export class RecordingUploader {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private retryMs = 500;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private waiters: (() => void)[] = [];
  /** The last failure, for the page to show; null once sending works again. */
  lastError: string | null = null;

  constructor(
    private readonly recordingId: string,
    private readonly csrf: () => string,
    private readonly onChange: () => void,
  ) {}

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves once every part is on the server and closed parts have their length declared. */
  async whenSent(): Promise<void> {
    for (;;) {
      const parts = await partsOf(this.recordingId);
      if (parts.every((p) => p.done || (p.closed && p.recorded === 0))) return;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        this.kick();
      });
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async pass(): Promise<void> {
    try {
      for (const part of await partsOf(this.recordingId)) await this.sendPart(part);
      this.retryMs = 500;
      this.lastError = null;
    } catch (err) {
      if (!(err instanceof RetryLater) && !(err instanceof TypeError)) throw err;
      this.lastError = err.message;
      // Back off while the network or the server is away, up to 5 s between tries.
      this.timer = setTimeout(() => {
        this.kick();
      }, this.retryMs);
      this.retryMs = Math.min(5000, this.retryMs * 2);
    } finally {
      this.onChange();
      const waiters = this.waiters.splice(0);
      for (const resolve of waiters) resolve();
    }
  }

  private request(method: string, url: string, headers: Record<string, string>, body?: Blob) {
    return fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { ...TUS, 'X-CSRF-Token': this.csrf(), ...headers },
      ...(body && { body }),
    }).catch(() => {
      throw new RetryLater('Kino cannot be reached: the recording is kept in this browser');
    });
  }

  private async sendPart(stored: StoredPart): Promise<void> {
    let part = stored;
    if (part.done) return;
    const chunks = await chunksOf(part.key);
    if (part.uploadUrl === null) {
      // A part with no byte yet is created with its first chunk: the server refuses empty parts.
      if (chunks.length === 0) return;
      part = await this.create(part);
    }
    for (const chunk of chunks) part = await this.sendChunk(part, chunk);
    if (part.closed && part.sent === part.recorded) {
      const res = await this.request('PATCH', part.uploadUrl ?? '', {
        'Content-Type': OCTETS,
        'Upload-Offset': String(part.sent),
        'Upload-Length': String(part.sent),
      });
      if (res.ok || res.status === 400 || res.status === 404 || res.status === 410) {
        // 400: the length was declared already (an answer lost on the way); 404/410: gone.
        await updatePart(part.key, { done: true });
      } else {
        throw new RetryLater(`the server answered ${res.status} while closing a part`);
      }
    }
  }

  private async create(part: StoredPart): Promise<StoredPart> {
    const metadata = [
      `recordingId ${b64(this.recordingId)}`,
      `track ${b64(part.track)}`,
      `part ${b64(String(part.part))}`,
    ].join(',');
    const res = await this.request('POST', '/v1/uploads', {
      'Upload-Defer-Length': '1',
      'Upload-Metadata': metadata,
    });
    let url = res.headers.get('Location');
    if (res.status === 409) {
      // Created before, its answer lost: the recording lists the part's upload.
      const listed = await this.request('GET', `/v1/recordings/${this.recordingId}`, {});
      const recording = (await listed.json()) as {
        parts: { track: string; part: number; uploadId: string }[];
      };
      const known = recording.parts.find((p) => p.track === part.track && p.part === part.part);
      url = known ? `/v1/uploads/${known.uploadId}` : null;
    } else if (res.status !== 201) {
      throw new RetryLater(`the server answered ${res.status} to a new part`);
    }
    if (!url) throw new RetryLater('the server named no upload for the part');
    const uploadUrl = new URL(url, window.location.href).pathname;
    await updatePart(part.key, { uploadUrl });
    return { ...part, uploadUrl };
  }

  private async sendChunk(part: StoredPart, chunk: StoredChunk): Promise<StoredPart> {
    const end = chunk.start + chunk.blob.size;
    if (end <= part.sent) {
      await confirmSent(part.key, part.sent);
      return part;
    }
    const from = Math.max(0, part.sent - chunk.start);
    const res = await this.request(
      'PATCH',
      part.uploadUrl ?? '',
      { 'Content-Type': OCTETS, 'Upload-Offset': String(chunk.start + from) },
      chunk.blob.slice(from),
    );
    let sent: number;
    if (res.status === 204) {
      sent = Number(res.headers.get('Upload-Offset') ?? end);
    } else if (res.status === 409) {
      // The server's offset differs (an earlier answer was lost): ask where it is and go on from there.
      const head = await this.request('HEAD', part.uploadUrl ?? '', {});
      if (!head.ok) throw new RetryLater(`the server answered ${head.status} about a part`);
      sent = Number(head.headers.get('Upload-Offset') ?? part.sent);
    } else {
      throw new RetryLater(`the server answered ${res.status} to a chunk`);
    }
    await confirmSent(part.key, sent);
    return { ...part, sent };
  }
}
