import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CaptionsService } from '../captions/captions.service.ts';
import { MAX_CAPTION_BYTES } from '../captions/captions.schemas.ts';
import { ApiError } from '../http/problem.ts';
import { isImportError } from '../imports/import-error.ts';
import type { ImportFetchOptions } from '../imports/import-media.handler.ts';
import { downloadToFile } from '../imports/resumable-download.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import { PermanentJobError } from '../jobs/job-errors.ts';
import type { JobHandler, PayloadOf } from '../jobs/job-registry.ts';

type Payload = PayloadOf<KinoJobCatalog, 'zoom.transcript'>;

/** The label of the caption track a Zoom transcript becomes; a track with it means the job is done. */
export const ZOOM_TRANSCRIPT_LABEL = 'Zoom transcript';

export interface ZoomTranscriptDeps {
  captions: Pick<CaptionsService, 'list' | 'add'>;
  workRoot: string;
  allowPrivate: boolean;
  fetch?: ImportFetchOptions | undefined;
}

/**
 * Fetches a Zoom recording's transcript (WebVTT) with the URL import's rules (address policy,
 * size limit, resume) and adds it to the media as its default caption track, once.
 */
export function zoomTranscriptHandler(deps: ZoomTranscriptDeps): JobHandler<Payload> {
  return async (ctx) => {
    const { tenantId, mediaId, url, language } = ctx.payload;
    let tracks;
    try {
      tracks = await deps.captions.list(tenantId, mediaId);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw new PermanentJobError('the media was deleted');
      throw err;
    }
    if (tracks.some((t) => t.label === ZOOM_TRANSCRIPT_LABEL)) return;
    const root = path.join(deps.workRoot, 'zoom');
    await mkdir(root, { recursive: true });
    const dir = await mkdtemp(path.join(root, 'transcript-'));
    try {
      const file = path.join(dir, 'transcript.vtt');
      try {
        await downloadToFile(url, file, {
          ...deps.fetch,
          allowPrivate: deps.allowPrivate,
          maxBytes: MAX_CAPTION_BYTES,
          timeoutMs: 10 * 60_000,
          signal: ctx.signal,
        });
      } catch (err) {
        if (isImportError(err) && !err.retryable) throw new PermanentJobError(err.message, { cause: err });
        throw err;
      }
      const bytes = await readFile(file);
      try {
        await deps.captions.add(
          tenantId,
          mediaId,
          { language, label: ZOOM_TRANSCRIPT_LABEL, kind: 'subtitles', default: true },
          { bytes, format: 'vtt' },
        );
      } catch (err) {
        // Not WebVTT, or the media was deleted meanwhile: trying again changes nothing.
        if (err instanceof ApiError && err.status < 500)
          throw new PermanentJobError(err.message, { cause: err });
        throw err;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
