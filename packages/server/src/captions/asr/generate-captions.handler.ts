import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { MediaRow } from '../../db/schema.ts';
import type { KinoJobCatalog } from '../../jobs/catalog.ts';
import { PermanentJobError } from '../../jobs/job-errors.ts';
import type { JobHandler, PayloadOf } from '../../jobs/job-registry.ts';
import { localSource } from '../../processing/local-source.ts';
import type { Storage } from '../../storage/storage.ts';
import type { CaptionsService } from '../captions.service.ts';
import { writeVtt } from '../write-vtt.ts';
import { AsrError, type AsrEngine } from './asr-engine.ts';
import type { CaptionSettingsRepository } from './caption-settings.repository.ts';
import { layoutCues } from './cue-layout.ts';
import { transcribeInPieces } from './transcribe-media.ts';

type Payload = PayloadOf<KinoJobCatalog, 'captions.generate'>;

export interface GenerateCaptionsDeps {
  engine: AsrEngine;
  captions: Pick<CaptionsService, 'addGenerated'>;
  media: { get(tenantId: string, mediaId: string): Promise<MediaRow | undefined> };
  settings: Pick<CaptionSettingsRepository, 'get'>;
  storage: Storage;
  workRoot: string;
}

/** Runs one transcription at a time in this process; the next job waits for the one before it. */
function oneAtATime() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * `captions.generate`: the media's original, piece by piece through the configured engine, into
 * cues of two 32-character lines, stored as the media's machine track (a draft unless the tenant
 * publishes machine captions at once). A media without sound or speech gets a track with no cues.
 */
export function generateCaptionsHandler(deps: GenerateCaptionsDeps): JobHandler<Payload> {
  const turn = oneAtATime();
  return (ctx) =>
    turn(async () => {
      // Cancelled or timed out while waiting for the transcription before it.
      ctx.signal.throwIfAborted();
      const { tenantId, mediaId } = ctx.payload;
      const media = await deps.media.get(tenantId, mediaId);
      if (!media) throw new PermanentJobError('the media was deleted');
      if (!media.source_key) throw new PermanentJobError('the media has no stored original to transcribe');
      if (!media.duration_seconds)
        throw new PermanentJobError('the media has no known duration (not processed yet)');
      const settings = await deps.settings.get(tenantId);
      const language = ctx.payload.language ?? media.language ?? settings.language;
      const root = path.join(deps.workRoot, 'captions');
      await mkdir(root, { recursive: true });
      const dir = await mkdtemp(path.join(root, 'asr-'));
      try {
        const source = await localSource(deps.storage, media.source_key, dir, ctx.signal);
        const segments = await transcribeInPieces(deps.engine, source, media.duration_seconds * 1000, dir, {
          language,
          signal: ctx.signal,
          onPiece: (done, total) => {
            ctx.progress(Math.floor((done / total) * 95), `transcribed ${done} of ${total} pieces`);
          },
        }).catch((err: unknown) => {
          if (err instanceof AsrError && !err.retryable)
            throw new PermanentJobError(err.message, { cause: err });
          throw err;
        });
        await deps.captions.addGenerated(media, language, writeVtt(layoutCues(segments)), {
          engine: deps.engine.name,
          model: deps.engine.model,
          status: settings.autoCaptions === 'publish' ? 'published' : 'draft',
        });
        ctx.progress(100, 'captions stored');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
}
