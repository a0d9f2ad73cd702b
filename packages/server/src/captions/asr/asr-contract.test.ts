import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsrError, type AsrEngine } from './asr-engine.ts';
import { OpenAiEngine } from './openai-engine.ts';
import { startOpenAiStandIn } from './openai-stand-in.ts';
import { SphinxEngine } from './sphinx-engine.ts';
import { run, speechArgs } from './synthetic-speech.ts';
import { transcribeInPieces } from './transcribe-media.ts';
import { WhisperEngine } from './whisper-engine.ts';
import { wordErrorRate } from './word-error-rate.ts';

const SENTENCE_A = 'Students should read the first chapter before the lecture on Monday.';
const SENTENCE_B = 'The library closes early on Friday afternoon.';

let dir: string;
let clean: string;
let twoSentences: string;
let silence: string;
const sphinx = new SphinxEngine();
const sphinxReason = sphinx.unavailableReason();
let standIn: Awaited<ReturnType<typeof startOpenAiStandIn>> | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'asr-contract-'));
  clean = path.join(dir, 'clean.wav');
  await run('ffmpeg', speechArgs(SENTENCE_A, clean, { leadInMs: 1500 }));
  twoSentences = path.join(dir, 'two.wav');
  const b = path.join(dir, 'b.wav');
  await run('ffmpeg', speechArgs(SENTENCE_B, b, { leadInMs: 8000 }));
  await run('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-i',
    clean,
    '-i',
    b,
    '-filter_complex',
    'amix=inputs=2:duration=longest:normalize=0',
    '-y',
    twoSentences,
  ]);
  silence = path.join(dir, 'silence.wav');
  await run('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'anullsrc=r=16000:cl=mono',
    '-t',
    '4',
    '-c:a',
    'pcm_s16le',
    '-y',
    silence,
  ]);
  if (!sphinxReason) standIn = await startOpenAiStandIn(sphinx);
}, 120_000);

afterAll(async () => {
  await standIn?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every engine that can run here; the reason for each one that cannot. */
const engines: Array<{ name: string; engine: () => AsrEngine; skip: string | null }> = [
  { name: 'sphinx', engine: () => sphinx, skip: sphinxReason },
  {
    name: 'openai (stand-in server backed by sphinx)',
    engine: () => new OpenAiEngine({ url: standIn!.url, model: 'pocketsphinx-en-us' }),
    skip: sphinxReason,
  },
  {
    name: 'whisper',
    engine: () => new WhisperEngine(process.env.KINO_ASR_MODEL ?? ''),
    skip: process.env.KINO_ASR_MODEL
      ? WhisperEngine.unavailable
      : 'no whisper.cpp model file configured (KINO_ASR_MODEL)',
  },
];

for (const { name, engine, skip } of engines) {
  describe.skipIf(skip !== null)(`ASR engine contract: ${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('hears clean English speech with a word error rate of at most 20%', async () => {
      const { segments } = await engine().transcribe(clean, { language: 'en' });
      const text = segments.map((s) => s.text).join(' ');
      expect(wordErrorRate(SENTENCE_A, text)).toBeLessThanOrEqual(0.2);
    }, 120_000);

    it('times segments to the speech: in order, inside the audio, not before the speech starts', async () => {
      const { segments } = await engine().transcribe(clean, { language: 'en' });
      expect(segments.length).toBeGreaterThan(0);
      expect(segments[0]!.startMs).toBeGreaterThanOrEqual(1000);
      for (const [i, s] of segments.entries()) {
        expect(s.endMs).toBeGreaterThan(s.startMs);
        expect(s.endMs).toBeLessThanOrEqual(7500);
        if (i > 0) expect(s.startMs).toBeGreaterThanOrEqual(segments[i - 1]!.endMs);
      }
    }, 120_000);

    it('hears nothing in silence', async () => {
      const { segments } = await engine().transcribe(silence, { language: 'en' });
      expect(segments.map((s) => s.text).join('')).toBe('');
    }, 120_000);

    it('keeps times on the media timeline when long media go in pieces', async () => {
      const work = await mkdtemp(path.join(dir, 'pieces-'));
      const pieces: number[] = [];
      const segments = await transcribeInPieces(engine(), twoSentences, 12_000, work, {
        language: 'en',
        pieceMs: 7000,
        onPiece: (done) => void pieces.push(done),
      });
      expect(pieces).toEqual([1, 2]);
      const b = segments.filter((s) => s.startMs >= 7000);
      expect(wordErrorRate(SENTENCE_B, b.map((s) => s.text).join(' '))).toBeLessThanOrEqual(0.3);
      expect(b[0]!.startMs).toBeGreaterThanOrEqual(7900);
    }, 180_000);
  });
}

describe.skipIf(sphinxReason !== null)('sphinx engine: languages', () => {
  it('refuses a language other than English, not retryable', async () => {
    const err = await sphinx.transcribe(clean, { language: 'de' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AsrError);
    expect(err).toMatchObject({ code: 'unsupported_language', retryable: false });
  });
});

describe('openai engine: a server that is down, busy or hangs', () => {
  it('says clearly that the server cannot be reached, after its retries, and that it is retryable', async () => {
    const down = await startOpenAiStandIn(sphinx);
    const url = down.url;
    await down.close();
    const engine = new OpenAiEngine({ url, attempts: 2, retryDelayMs: 10 });
    const err = await engine.transcribe(silence, { language: 'en' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'engine_unavailable', retryable: true });
    expect((err as Error).message).toContain(`${url}/v1/audio/transcriptions cannot be reached`);
  });

  it.skipIf(sphinxReason !== null)(
    'tries again when the server answers 503',
    async () => {
      const busy = await startOpenAiStandIn(sphinx, { failFirst: 2 });
      try {
        const engine = new OpenAiEngine({ url: busy.url, attempts: 3, retryDelayMs: 10 });
        const { segments } = await engine.transcribe(silence, { language: 'en' });
        expect(segments).toEqual([]);
        expect(busy.requests()).toBe(3);
      } finally {
        await busy.close();
      }
    },
    60_000,
  );

  it('stops waiting for a server that hangs', async () => {
    const hung = await startOpenAiStandIn(sphinx, { hang: true });
    try {
      const engine = new OpenAiEngine({ url: hung.url, attempts: 1, timeoutMs: 300 });
      const err = await engine.transcribe(silence, { language: 'en' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'engine_timeout', retryable: true });
    } finally {
      await hung.close();
    }
  });
});
