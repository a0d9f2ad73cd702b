import { execFile } from 'node:child_process';
import path from 'node:path';
import type { AsrEngine, SpeechSegment, TranscribeOptions } from './asr-engine.ts';

/** Ten minutes: a piece an engine finishes well within a job's heartbeat-kept lease. */
export const PIECE_MS = 10 * 60_000;

export interface AudioPiece {
  startMs: number;
  durationMs: number;
}

/** Consecutive pieces covering [0, durationMs). */
export function planPieces(durationMs: number, pieceMs = PIECE_MS): AudioPiece[] {
  const pieces: AudioPiece[] = [];
  for (let startMs = 0; startMs < durationMs; startMs += pieceMs)
    pieces.push({ startMs, durationMs: Math.min(pieceMs, durationMs - startMs) });
  return pieces;
}

/** ffmpeg arguments writing one piece of a media's first audio stream as 16 kHz mono WAV. */
export function pieceArgs(input: string, piece: AudioPiece, output: string): string[] {
  return [
    '-nostdin',
    '-v',
    'error',
    '-ss',
    (piece.startMs / 1000).toFixed(3),
    '-t',
    (piece.durationMs / 1000).toFixed(3),
    '-i',
    input,
    '-map',
    '0:a:0',
    '-ac',
    '1',
    '-ar',
    '16000',
    '-c:a',
    'pcm_s16le',
    '-y',
    output,
  ];
}

/** Segments of a piece moved to the media's timeline. */
export function shiftSegments(segments: readonly SpeechSegment[], offsetMs: number): SpeechSegment[] {
  return segments.map((s) => ({ ...s, startMs: s.startMs + offsetMs, endMs: s.endMs + offsetMs }));
}

/**
 * Transcribes a media file piece by piece (so hours of audio never sit in one request or one
 * recogniser run), keeping every segment's time on the media's timeline. `onPiece` reports
 * progress after each piece.
 */
export async function transcribeInPieces(
  engine: AsrEngine,
  input: string,
  durationMs: number,
  workDir: string,
  options: TranscribeOptions & {
    pieceMs?: number;
    onPiece?: (done: number, total: number) => Promise<void> | void;
  },
): Promise<SpeechSegment[]> {
  const pieces = planPieces(durationMs, options.pieceMs);
  const segments: SpeechSegment[] = [];
  for (const [index, piece] of pieces.entries()) {
    const wav = path.join(workDir, `piece-${index}.wav`);
    await runFfmpeg(pieceArgs(input, piece, wav), options.signal);
    const transcript = await engine.transcribe(wav, options);
    segments.push(...shiftSegments(transcript.segments, piece.startMs));
    await options.onPiece?.(index + 1, pieces.length);
  }
  return segments;
}

function runFfmpeg(args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', args, { timeout: 30 * 60_000, ...(signal && { signal }) }, (err, _out, stderr) => {
      if (err)
        reject(
          new Error(`ffmpeg could not read the audio: ${stderr.trim().split('\n').pop() ?? err.message}`),
        );
      else resolve();
    });
  });
}
