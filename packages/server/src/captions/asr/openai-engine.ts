import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AsrError,
  primaryLanguage,
  type AsrEngine,
  type Transcript,
  type TranscribeOptions,
} from './asr-engine.ts';

export interface OpenAiEngineOptions {
  /** The server's base URL; requests go to `<url>/v1/audio/transcriptions`. */
  url: string;
  /** The `model` form field (`whisper-1`, or whatever the server calls its model). */
  model?: string | undefined;
  /** Sent as a bearer token when set; never logged. */
  apiKey?: string | undefined;
  /** Per request. */
  timeoutMs?: number;
  /** Attempts per piece (network errors, 408, 429 and 5xx are tried again). */
  attempts?: number;
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

interface VerboseJson {
  text?: unknown;
  segments?: Array<{ start?: unknown; end?: unknown; text?: unknown }>;
}

/**
 * Any server speaking OpenAI's `/v1/audio/transcriptions` (whisper.cpp's server,
 * faster-whisper servers, OpenAI itself), asked for `verbose_json` so segments carry times.
 */
export class OpenAiEngine implements AsrEngine {
  readonly name = 'openai';
  readonly model: string;
  private readonly endpoint: string;

  constructor(private readonly options: OpenAiEngineOptions) {
    this.model = options.model ?? 'whisper-1';
    this.endpoint = `${options.url.replace(/\/+$/, '')}/v1/audio/transcriptions`;
  }

  async transcribe(wavPath: string, options: TranscribeOptions): Promise<Transcript> {
    const audio = await readFile(wavPath);
    const attempts = this.options.attempts ?? 3;
    let lastError: AsrError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep((this.options.retryDelayMs ?? 1000) * 2 ** (attempt - 2));
      try {
        return await this.once(audio, options);
      } catch (err) {
        if (!(err instanceof AsrError) || !err.retryable || options.signal?.aborted) throw err;
        lastError = err;
      }
    }
    throw lastError ?? new AsrError('engine_failed', 'no attempt was made', false);
  }

  private async once(audio: Buffer, options: TranscribeOptions): Promise<Transcript> {
    const form = new FormData();
    form.append('file', new Blob([audio], { type: 'audio/wav' }), 'audio.wav');
    form.append('model', this.model);
    form.append('response_format', 'verbose_json');
    form.append('timestamp_granularities[]', 'segment');
    form.append('language', primaryLanguage(options.language));
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10 * 60_000);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(this.endpoint, {
        method: 'POST',
        body: form,
        signal,
        headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
      });
    } catch (err) {
      if (timeout.aborted)
        throw new AsrError(
          'engine_timeout',
          `the transcription server at ${this.endpoint} did not answer in time`,
          true,
        );
      if (options.signal?.aborted) throw err;
      throw new AsrError(
        'engine_unavailable',
        `the transcription server at ${this.endpoint} cannot be reached (${causeOf(err)})`,
        true,
      );
    }
    if (!response.ok) {
      const body = (await response.text().catch(() => '')).slice(0, 200);
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      throw new AsrError(
        retryable ? 'engine_unavailable' : 'engine_failed',
        `the transcription server answered ${response.status}${body ? `: ${body}` : ''}`,
        retryable,
      );
    }
    return toTranscript((await response.json().catch(() => ({}))) as VerboseJson);
  }
}

/** Segments of a verbose_json answer; an answer with text but no segments is one segment of unknown end. */
export function toTranscript(body: VerboseJson): Transcript {
  if (!Array.isArray(body.segments)) {
    if (typeof body.text !== 'string')
      throw new AsrError('engine_failed', 'the transcription server sent no text', true);
    return { segments: body.text.trim() ? [{ startMs: 0, endMs: 0, text: body.text.trim() }] : [] };
  }
  return {
    segments: body.segments.flatMap((s) =>
      typeof s.start === 'number' && typeof s.end === 'number' && typeof s.text === 'string' && s.text.trim()
        ? [{ startMs: Math.round(s.start * 1000), endMs: Math.round(s.end * 1000), text: s.text.trim() }]
        : [],
    ),
  };
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
