import { addChunk, partKey, savePart, updatePart, type StoredPart } from './recorder-store.ts';

export type SourceChoice = 'camera' | 'screen' | 'both';

/** The tracks a choice records. */
export const tracksOf = (choice: SourceChoice): string[] =>
  choice === 'both' ? ['camera', 'screen'] : [choice];

/** Chunks of about a second: a crash loses at most the chunk being recorded. */
export const TIMESLICE_MS = 1000;

/** Asks the browser for each track's stream: the camera with the microphone, the screen alone. */
export async function openStreams(tracks: string[]): Promise<Map<string, MediaStream>> {
  const streams = new Map<string, MediaStream>();
  try {
    for (const track of tracks) {
      if (track === 'screen') {
        streams.set(track, await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false }));
      } else {
        streams.set(
          track,
          await navigator.mediaDevices.getUserMedia({ video: track === 'camera', audio: true }),
        );
      }
    }
  } catch (err) {
    closeStreams(streams);
    throw err;
  }
  return streams;
}

export function closeStreams(streams: Map<string, MediaStream>): void {
  for (const stream of streams.values()) for (const t of stream.getTracks()) t.stop();
}

function mimeTypeFor(stream: MediaStream): string | undefined {
  const video = stream.getVideoTracks().length > 0;
  const candidates = video
    ? ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm', 'video/mp4']
    : ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4'];
  return candidates.find((type) => MediaRecorder.isTypeSupported(type));
}

/**
 * Records one part of one track: MediaRecorder with a short timeslice, each chunk written to
 * IndexedDB (awaited, in order) before `onChunk` lets the uploader send it.
 */
export class PartRecorder {
  private readonly recorder: MediaRecorder;
  private writes: Promise<unknown> = Promise.resolve();
  private last = performance.now();
  private stopped: Promise<void>;

  private constructor(
    private readonly part: StoredPart,
    stream: MediaStream,
    onChunk: () => void,
  ) {
    const mimeType = mimeTypeFor(stream);
    this.recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    this.recorder.addEventListener('dataavailable', (event: BlobEvent) => {
      const now = performance.now();
      const seconds = (now - this.last) / 1000;
      this.last = now;
      if (event.data.size === 0) return;
      this.writes = this.writes.then(() => addChunk(this.part, event.data, seconds)).then(onChunk);
    });
    this.stopped = new Promise((resolve) => {
      this.recorder.addEventListener('stop', () => {
        resolve();
      });
    });
  }

  static async start(
    recordingId: string,
    track: string,
    part: number,
    stream: MediaStream,
    onChunk: () => void,
  ) {
    const stored: StoredPart = {
      key: partKey(recordingId, track, part),
      recordingId,
      track,
      part,
      uploadUrl: null,
      sent: 0,
      recorded: 0,
      seconds: 0,
      closed: false,
      done: false,
    };
    await savePart(stored);
    const recorder = new PartRecorder(stored, stream, onChunk);
    recorder.recorder.start(TIMESLICE_MS);
    return recorder;
  }

  /** Stops recording; resolves once the last chunk is stored and the part is closed. */
  async stop(): Promise<void> {
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    await this.stopped;
    await this.writes;
    await updatePart(this.part.key, { closed: true });
  }
}

/** The microphone's level (0–1), measured about 20 times a second until `stop` is called. */
export function watchLevel(stream: MediaStream, onLevel: (level: number) => void): () => void {
  if (stream.getAudioTracks().length === 0) return () => undefined;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    // RMS shown on a scale where ordinary speech fills about half the meter.
    onLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
  }, 50);
  return () => {
    clearInterval(timer);
    void context.close();
  };
}
