import { MediaToolError, runMediaTool } from '../../processing/media-tools.ts';
import { DEFAULT_LIMITS } from '../../processing/tool-limits.ts';
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
    // The original is untrusted: ffmpeg may open local files only (no playlist reaching a URL).
    '-protocol_whitelist',
    'file',
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

/** ffmpeg under the media tools' limits (CPU, memory, files) and dying with this process. */
async function runFfmpeg(args: string[], signal?: AbortSignal): Promise<void> {
  try {
    await runMediaTool('ffmpeg', args, { limits: DEFAULT_LIMITS, ...(signal && { signal }) });
  } catch (err) {
    const stderr = err instanceof MediaToolError ? err.message : String(err);
    throw new Error(`ffmpeg could not read the audio: ${stderr.trim().split('\n').pop() ?? ''}`);
  }
}
