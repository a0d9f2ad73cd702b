/** A stretch of speech and what was said in it, in milliseconds from the start of the audio. */
export interface SpeechSegment {
  startMs: number;
  endMs: number;
  text: string;
}

/** What an engine heard in one piece of audio. */
export interface Transcript {
  segments: SpeechSegment[];
}

export interface TranscribeOptions {
  /** BCP 47 tag of the language spoken (en, de, pt-BR). */
  language: string;
  signal?: AbortSignal | undefined;
}

/**
 * The ASR port: turns a 16 kHz mono WAV file (made by audio-pieces.ts) into timed text.
 * Adapters: sphinx-engine.ts (offline, built in), openai-engine.ts (an OpenAI-compatible
 * server), whisper-engine.ts.
 */
export interface AsrEngine {
  /** `sphinx`, `whisper` or `openai`, recorded on the track it makes. */
  readonly name: string;
  /** The model used, recorded on the track. */
  readonly model: string;
  transcribe(wavPath: string, options: TranscribeOptions): Promise<Transcript>;
}

/**
 * Why a transcription failed. `retryable`: the same request may work later (a server down or
 * overloaded, a crash); otherwise retrying cannot help (a language the engine does not know).
 */
export class AsrError extends Error {
  override name = 'AsrError';
  constructor(
    readonly code: 'unsupported_language' | 'engine_unavailable' | 'engine_failed' | 'engine_timeout',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The primary subtag of a BCP 47 tag, lower case: `pt-BR` -> `pt`. */
export const primaryLanguage = (tag: string) => (tag.split('-')[0] ?? tag).toLowerCase();
