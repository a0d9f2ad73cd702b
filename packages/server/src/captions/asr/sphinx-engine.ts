import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  AsrError,
  primaryLanguage,
  type AsrEngine,
  type Transcript,
  type TranscribeOptions,
} from './asr-engine.ts';
import { speechIntervals, timeUtterances, type Interval, type Utterance } from './speech-timing.ts';

/** Where Debian's pocketsphinx-en-us package puts the US English model. */
export const DEBIAN_SPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us';

/** A pause this long (at this level) separates stretches of speech. */
const SILENCE = 'silencedetect=n=-35dB:d=0.25';

/**
 * The ffmpeg arguments that run pocketsphinx (ffmpeg's `asr` filter) over a WAV file and print,
 * per audio frame, the utterances it recognised and the silences between speech. One second of
 * padding lets the recogniser hear the end of speech that runs to the last sample.
 */
export function sphinxArgs(wavPath: string, modelDir: string): string[] {
  const model = {
    hmm: path.join(modelDir, 'en-us'),
    dict: path.join(modelDir, 'cmudict-en-us.dict'),
    lm: path.join(modelDir, 'en-us.lm.bin'),
  };
  const asr = `asr=hmm=${model.hmm}:dict=${model.dict}:lm=${model.lm}`;
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-i',
    wavPath,
    '-vn',
    '-af',
    `aresample=16000,apad=pad_dur=1,${asr},${SILENCE},ametadata=mode=print:file=-`,
    '-f',
    'null',
    '-',
  ];
}

/** What the `ametadata=mode=print` lines of a sphinxArgs run say. */
export function parseSphinxOutput(stdout: string): Transcript {
  const utterances: Utterance[] = [];
  const silences: Interval[] = [];
  let frameMs = 0;
  let open: number | null = null;
  for (const line of stdout.split('\n')) {
    const frame = /^frame:\d+\s+pts:\S+\s+pts_time:([\d.]+)/.exec(line);
    if (frame) {
      frameMs = Number(frame[1]) * 1000;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === 'lavfi.asr.text' && value) utterances.push({ detectedAtMs: frameMs, text: value });
    else if (key === 'lavfi.silence_start') open = Number(value) * 1000;
    else if (key === 'lavfi.silence_end' && open !== null) {
      silences.push({ startMs: open, endMs: Number(value) * 1000 });
      open = null;
    }
  }
  const lastMs = Math.max(frameMs, ...utterances.map((u) => u.detectedAtMs));
  if (open !== null) silences.push({ startMs: open, endMs: lastMs });
  return { segments: timeUtterances(utterances, speechIntervals(silences, lastMs)) };
}

/**
 * The built-in engine: CMU PocketSphinx through ffmpeg's `asr` filter, with Debian's US English
 * model (package pocketsphinx-en-us). Offline, no download; English only.
 */
export class SphinxEngine implements AsrEngine {
  readonly name = 'sphinx';
  readonly model: string;

  constructor(
    private readonly options: { modelDir?: string | undefined; ffmpeg?: string; timeoutMs?: number } = {},
  ) {
    this.model = options.modelDir ? path.basename(options.modelDir) : 'pocketsphinx-en-us';
  }

  private get modelDir() {
    return this.options.modelDir ?? DEBIAN_SPHINX_MODEL;
  }

  /** Why this engine cannot run here, or null when it can. */
  unavailableReason(): string | null {
    if (/[:,;'\\[\]=]/.test(this.modelDir))
      return `the model folder ${this.modelDir} has a character ffmpeg filters cannot take`;
    if (!existsSync(path.join(this.modelDir, 'en-us', 'mdef')))
      return `no PocketSphinx model in ${this.modelDir} (install Debian's pocketsphinx-en-us: scripts/ensure-system-deps.sh pocketsphinx)`;
    return null;
  }

  async transcribe(wavPath: string, options: TranscribeOptions): Promise<Transcript> {
    if (primaryLanguage(options.language) !== 'en')
      throw new AsrError(
        'unsupported_language',
        `the sphinx engine recognises English only, not ${options.language}; use KINO_ASR=whisper or openai for other languages`,
        false,
      );
    const reason = this.unavailableReason();
    if (reason) throw new AsrError('engine_unavailable', reason, false);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        this.options.ffmpeg ?? 'ffmpeg',
        sphinxArgs(wavPath, this.modelDir),
        {
          maxBuffer: 64 * 1024 * 1024,
          timeout: this.options.timeoutMs ?? 60 * 60_000,
          killSignal: 'SIGKILL',
          ...(options.signal && { signal: options.signal }),
        },
        (err, out, stderr) => {
          if (!err) {
            resolve(out);
            return;
          }
          const killed = (err as { killed?: boolean }).killed;
          reject(
            killed
              ? new AsrError('engine_timeout', 'the sphinx engine ran too long and was stopped', true)
              : new AsrError('engine_failed', `ffmpeg (asr) failed: ${lastLine(stderr)}`, true),
          );
        },
      );
    });
    return parseSphinxOutput(stdout);
  }
}

const lastLine = (text: string) => text.trim().split('\n').pop()?.slice(0, 300) ?? '';
