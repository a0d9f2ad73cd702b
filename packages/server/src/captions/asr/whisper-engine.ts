import { AsrError, type AsrEngine, type Transcript } from './asr-engine.ts';

/**
 * whisper.cpp in process. Not available in this build: the Node bindings of whisper.cpp on npm
 * (@fugood/whisper.node and the like) pull GPU builds (CUDA, Vulkan) as optional packages for
 * every Linux x64 machine, and none is yet one Kino can depend on. Until one is, run whisper.cpp's
 * own server and use KINO_ASR=openai with KINO_ASR_URL pointing at it (docs/captions.md).
 */
export class WhisperEngine implements AsrEngine {
  readonly name = 'whisper';
  constructor(readonly model: string) {}

  static readonly unavailable =
    "the whisper engine is not available in this build of Kino; run whisper.cpp's server with your model and set KINO_ASR=openai, KINO_ASR_URL=http://127.0.0.1:8178 (see docs/captions.md)";

  transcribe(): Promise<Transcript> {
    return Promise.reject(new AsrError('engine_unavailable', WhisperEngine.unavailable, false));
  }
}
