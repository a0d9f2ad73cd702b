import type { AsrConfig } from '../../config/config.ts';
import type { AsrEngine } from './asr-engine.ts';
import { OpenAiEngine } from './openai-engine.ts';
import { SphinxEngine } from './sphinx-engine.ts';
import { WhisperEngine } from './whisper-engine.ts';

/** The engine KINO_ASR names, with its model and server. */
export function createAsrEngine(config: AsrConfig): AsrEngine {
  switch (config.engine) {
    case 'openai':
      return new OpenAiEngine({ url: config.url ?? '', model: config.model, apiKey: config.apiKey });
    case 'whisper':
      return new WhisperEngine(config.model ?? '');
    case 'sphinx':
      return new SphinxEngine({ modelDir: config.model });
  }
}
