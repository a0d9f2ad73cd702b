import fs from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../http/problem.ts';
import { checkClosedCaptions, extractClosedCaptionsArgs } from '../processing/closed-captions.ts';
import { MediaToolError, runMediaTool } from '../processing/media-tools.ts';
import type { SourceCaptions } from '../processing/source-captions-port.ts';
import { defaultLabel } from './captions.service.ts';
import type { CaptionsService } from './captions.service.ts';
import {
  CLOSED_CAPTION_CODEC,
  extractedFile,
  extractSubtitlesArgs,
  parseSubtitleStreams,
  subtitleProbeArgs,
  type SourceSubtitle,
} from './source-subtitles.ts';

/**
 * The extracted track made of the 608 captions in the video's pictures (channel CC1) is keyed by
 * this stream number: subtitle streams count from 0.
 */
export const VIDEO_CC1_STREAM = -1;

/** 608 names no language; CC1 carries the programme's main one, in practice English. */
const CC1_LANGUAGE = 'en';

/** How a track made of a source stream is listed. */
function trackFields(stream: SourceSubtitle) {
  const closedCaptions = stream.codec === CLOSED_CAPTION_CODEC;
  const language = closedCaptions && stream.language === 'und' ? CC1_LANGUAGE : stream.language;
  return {
    language,
    label: stream.title ?? (closedCaptions ? `${defaultLabel(language)} (CC1)` : undefined),
    kind: stream.hearingImpaired || closedCaptions ? ('captions' as const) : ('subtitles' as const),
    default: stream.isDefault,
  };
}

/**
 * Makes a track of each text subtitle stream (mov_text, SubRip, ASS, WebVTT, a QuickTime 608
 * track) of a source, and one of the 608 captions its video pictures carry (CC1), once per stream
 * (see CaptionsService.addExtracted). A stream ffmpeg cannot convert, or whose text holds no cue,
 * becomes no track and does not fail the processing.
 *
 * @example processMediaHandler({ ...deps, captions: sourceCaptions(captionsService) })
 */
export function sourceCaptions(captions: Pick<CaptionsService, 'addExtracted'>): SourceCaptions {
  return {
    async fromSource(media, source, workdir, signal, demuxer, limits) {
      const skipped = (err: unknown) =>
        !signal.aborted && (err instanceof MediaToolError || (err instanceof ApiError && err.status < 500));
      const addTrack = async (stream: number, fields: ReturnType<typeof trackFields>, file: string) => {
        try {
          await captions.addExtracted(media, stream, fields, await fs.readFile(file));
        } catch (err) {
          if (!skipped(err)) throw err;
        }
      };
      const dir = path.join(workdir, 'subtitles');
      let streams: SourceSubtitle[] = [];
      try {
        const listing = await runMediaTool('ffprobe', subtitleProbeArgs(source, demuxer), {
          signal,
          workdir,
        });
        streams = parseSubtitleStreams(listing);
        if (streams.length > 0) {
          await fs.mkdir(dir, { recursive: true });
          await runMediaTool('ffmpeg', extractSubtitlesArgs(source, streams, dir, demuxer), {
            signal,
            workdir,
            limits,
          });
          for (const stream of streams) {
            await addTrack(stream.ordinal, trackFields(stream), extractedFile(dir, stream.ordinal));
          }
        }
      } catch (err) {
        if (!skipped(err)) throw err;
      }
      // The same captions in a track of their own and in the pictures make one track, not two.
      if (demuxer === undefined || streams.some((s) => s.codec === CLOSED_CAPTION_CODEC)) return;
      try {
        if (!(await checkClosedCaptions(source, 'v:0', { signal, workdir, demuxer }))) return;
        await fs.mkdir(dir, { recursive: true });
        const file = path.join(dir, 'closed-captions-cc1.vtt');
        // The tool runs in the work folder as the media user, who may not walk its parents: the
        // path inside the filter graph is relative to it (other arguments are made so for us).
        const inside = path.relative(workdir, source);
        const movie = inside.startsWith('..') || path.isAbsolute(inside) ? source : `./${inside}`;
        // It decodes the whole picture: below the API's CPU priority, as the ladder is.
        await runMediaTool('ffmpeg', extractClosedCaptionsArgs(movie, demuxer, file), {
          signal,
          workdir,
          limits,
          background: true,
        });
        const fields = { language: CC1_LANGUAGE, label: `${defaultLabel(CC1_LANGUAGE)} (CC1)` };
        await addTrack(VIDEO_CC1_STREAM, { ...fields, kind: 'captions', default: false }, file);
      } catch (err) {
        if (!skipped(err)) throw err;
      }
    },
  };
}
