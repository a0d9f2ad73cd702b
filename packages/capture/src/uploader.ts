import fs from 'node:fs';
import type { LocalRecording, Segment, Spool } from './spool.ts';

const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The server did not answer, or answered with something worth trying again later. */
export class ServerAway extends Error {}

export interface ServerConfig {
  server: string;
  key: string;
}

export async function call(
  config: ServerConfig,
  method: string,
  url: string,
  init: { headers?: Record<string, string>; body?: Buffer | string } = {},
) {
  try {
    return await fetch(new URL(url, config.server), {
      method,
      headers: { authorization: `Bearer ${config.key}`, ...init.headers },
      ...(init.body !== undefined && {
        body: typeof init.body === 'string' ? init.body : new Uint8Array(init.body),
      }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new ServerAway(`${config.server} cannot be reached (${(err as Error).message})`);
  }
}

async function expectOk(res: Response, what: string): Promise<Response> {
  if (res.ok) return res;
  const text = await res.text().catch(() => '');
  if (res.status >= 500 || res.status === 429 || res.status === 408)
    throw new ServerAway(`${what}: ${res.status}`);
  throw new Error(`${what}: the server answered ${res.status} ${text.slice(0, 300)}`);
}

/**
 * Sends what the spool holds: creates each recording on the server, uploads its segments in order
 * as its parts (tus, resumed from the server's offset after a restart), removes each file once the
 * server has it, and completes a recording once every segment arrived. Stops at the first failure
 * to reach the server; the caller tries again later.
 */
export class Uploader {
  constructor(
    private readonly spool: Spool,
    private readonly config: ServerConfig,
    private readonly onProgress: (recording: LocalRecording, sentParts: number, parts: number) => void = () =>
      undefined,
  ) {}

  async sendAll(): Promise<void> {
    for (const recording of this.spool.open()) await this.send(recording);
  }

  private async send(recording: LocalRecording): Promise<void> {
    let serverId = recording.server_id;
    if (serverId === null) {
      const res = await expectOk(
        await call(this.config, 'POST', '/v1/recordings', {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ title: recording.title, tracks: ['camera'] }),
        }),
        'creating the recording',
      );
      serverId = ((await res.json()) as { id: string }).id;
      this.spool.update(recording.id, { server_id: serverId });
    }
    const segments = this.spool.segments(recording.id);
    for (const segment of segments) {
      if (segment.done) continue;
      await this.sendSegment(serverId, segment);
      this.onProgress(
        recording,
        this.spool.segments(recording.id).filter((s) => s.done).length,
        segments.length,
      );
    }
    const now = this.spool.recording(recording.id);
    if (now?.status !== 'recorded' || this.spool.segments(recording.id).some((s) => !s.done)) return;
    const res = await call(this.config, 'POST', `/v1/recordings/${serverId}/complete`);
    // 409 recording_empty: nothing was ever recorded; it cannot be completed, and nothing is lost.
    if (!res.ok && res.status !== 409) await expectOk(res, 'completing the recording');
    this.spool.update(recording.id, { status: 'completed' });
    fs.rmSync(recording.dir, { recursive: true, force: true });
  }

  private async sendSegment(serverId: string, segment: Segment): Promise<void> {
    let url = segment.upload_url;
    if (url === null) url = await this.createPart(serverId, segment);
    if (url === null) {
      this.spool.segmentUploaded(segment.recording_id, segment.seq, null, true);
      return;
    }
    this.spool.segmentUploaded(segment.recording_id, segment.seq, url, false);
    const head = await call(this.config, 'HEAD', url, { headers: TUS });
    if (head.status === 404 || head.status === 410) {
      // Gone from the server (the recording was completed without it): nothing more to send.
      this.spool.segmentUploaded(segment.recording_id, segment.seq, url, true);
      return;
    }
    await expectOk(head, 'reading a part’s offset');
    const offset = Number(head.headers.get('upload-offset') ?? 0);
    if (offset < segment.size) {
      const bytes = fs.readFileSync(segment.file).subarray(offset);
      await expectOk(
        await call(this.config, 'PATCH', url, {
          headers: {
            ...TUS,
            'content-type': 'application/offset+octet-stream',
            'upload-offset': String(offset),
          },
          body: bytes,
        }),
        'sending a part',
      );
    }
    this.spool.segmentUploaded(segment.recording_id, segment.seq, url, true);
    fs.rmSync(segment.file, { force: true });
  }

  /** Creates the part of a segment; a part created before (its answer lost) is found on the recording. */
  private async createPart(serverId: string, segment: Segment): Promise<string | null> {
    const res = await call(this.config, 'POST', '/v1/uploads', {
      headers: {
        ...TUS,
        'upload-length': String(segment.size),
        'upload-metadata': `recordingId ${b64(serverId)},track ${b64('camera')},part ${b64(String(segment.seq))},filename ${b64(`part-${segment.seq}.mkv`)}`,
      },
    });
    if (res.status === 201) return new URL(res.headers.get('location') ?? '', this.config.server).pathname;
    if (res.status === 409) {
      const problem = (await res.json().catch(() => ({}))) as { code?: string };
      if (problem.code === 'recording_completed') return null;
      const recording = await expectOk(
        await call(this.config, 'GET', `/v1/recordings/${serverId}`),
        'reading the recording',
      );
      const parts = ((await recording.json()) as { parts: { part: number; uploadId: string }[] }).parts;
      const known = parts.find((p) => p.part === segment.seq);
      if (known) return `/v1/uploads/${known.uploadId}`;
    }
    await expectOk(res, 'creating a part');
    return null;
  }
}
