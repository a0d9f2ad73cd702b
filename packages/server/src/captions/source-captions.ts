import fs from 'node:fs/promises';
import path from 'node:path';
import type { MediaRow } from '../db/schema.ts';
import { ApiError } from '../http/problem.ts';
import { MediaToolError, runMediaTool } from '../processing/media-tools.ts';
import type { CaptionsService } from './captions.service.ts';
import {
  extractedFile,
  extractSubtitlesArgs,
  parseSubtitleStreams,
  subtitleProbeArgs,
} from './source-subtitles.ts';

/** What processing asks of captions: tracks from the text subtitle streams of a media's source. */
export interface SourceCaptions {
  fromSource(
    media: Pick<MediaRow, 'tenant_id' | 'id'>,
    source: string,
    workdir: string,
    signal: AbortSignal,
    /** The demuxer processing found for the source: forced on these runs too. */
    demuxer?: string,
  ): Promise<void>;
}

/**
 * Makes a track of each text subtitle stream (mov_text, SubRip, ASS, WebVTT) of a source, once
 * per stream (see CaptionsService.addExtracted). A stream ffmpeg cannot convert, or whose text
 * holds no cue, becomes no track and does not fail the processing.
 *
 * @example processMediaHandler({ ...deps, captions: sourceCaptions(captionsService) })
 */
export function sourceCaptions(captions: Pick<CaptionsService, 'addExtracted'>): SourceCaptions {
  return {
    async fromSource(media, source, workdir, signal, demuxer) {
      const skipped = (err: unknown) =>
        !signal.aborted && (err instanceof MediaToolError || (err instanceof ApiError && err.status < 500));
      try {
        const listing = await runMediaTool('ffprobe', subtitleProbeArgs(source, demuxer), {
          signal,
          workdir,
        });
        const streams = parseSubtitleStreams(listing);
        if (streams.length === 0) return;
        const dir = path.join(workdir, 'subtitles');
        await fs.mkdir(dir, { recursive: true });
        await runMediaTool('ffmpeg', extractSubtitlesArgs(source, streams, dir, demuxer), {
          signal,
          workdir,
        });
        for (const stream of streams) {
          try {
            const vtt = await fs.readFile(extractedFile(dir, stream.ordinal));
            await captions.addExtracted(
              media,
              stream.ordinal,
              {
                language: stream.language,
                label: stream.title ?? undefined,
                kind: stream.hearingImpaired ? 'captions' : 'subtitles',
                default: stream.isDefault,
              },
              vtt,
            );
          } catch (err) {
            if (!skipped(err)) throw err;
          }
        }
      } catch (err) {
        if (!skipped(err)) throw err;
      }
    },
  };
}
