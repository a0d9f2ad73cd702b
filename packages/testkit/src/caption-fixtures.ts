import { createHash } from 'node:crypto';
import { cachedMedia } from './media.ts';
import { captionSchedule, insertCaptionSei, sccDocument, type TimedCaption } from './cea608-sei.ts';

/**
 * Sources with CEA-608 closed captions, as broadcast, camera and caption-house files carry them:
 * in the H.264 pictures (A/53 SEI) or as a QuickTime `c608` track. Both show the same captions.
 */
export const CEA608_FIXTURE = {
  durationSeconds: 3,
  fps: 30,
  /** Large enough for a ladder of two rungs: the copied source and an encoded one below it. */
  width: 640,
  height: 360,
  /** Channel CC1, pop-on, as a decoder shows them. */
  captions: [
    { text: 'HELLO FROM KINO', start: 0.5, end: 1.4 },
    { text: 'CAPTIONS KEPT', start: 2, end: 2.7 },
  ] satisfies TimedCaption[],
};

const FFMPEG = ['-nostdin', '-hide_banner', '-v', 'error', '-y'];
const { durationSeconds, fps, width, height, captions } = CEA608_FIXTURE;
const picture = `testsrc2=size=${width}x${height}:rate=${fps}:duration=${durationSeconds}`;
const sound = `sine=frequency=440:sample_rate=48000:duration=${durationSeconds}`;
// No B-frames: the captions go into the pictures in decode order, which is then display order.
const x264 = [
  '-c:v',
  'libx264',
  '-preset',
  'superfast',
  '-bf',
  '0',
  '-g',
  String(fps),
  '-pix_fmt',
  'yuv420p',
];
const aac = ['-c:a', 'aac', '-b:a', '96k', '-ac', '2'];

/**
 * An MP4 whose H.264 carries the captions of CEA608_FIXTURE in CC1 (A/53 SEI before every
 * picture), with a tone as sound: x264 writes a raw stream, the captions go in, then it is muxed.
 */
export function cea608SeiFixture(): Promise<string> {
  const frames = captionSchedule(captions, fps, durationSeconds * fps);
  const label = createHash('sha256').update(JSON.stringify(frames)).digest('hex').slice(0, 12);
  return cachedMedia('cea608-sei', 'mp4', (out) => [
    {
      op: 'ffmpeg',
      args: [...FFMPEG, '-f', 'lavfi', '-i', picture, ...x264, '-f', 'h264', `${out}.raw.h264`],
    },
    {
      op: 'rewrite',
      from: `${out}.raw.h264`,
      to: `${out}.cc.h264`,
      label: `cea608-sei-${label}`,
      rewrite: (bytes) => insertCaptionSei(bytes, frames),
    },
    {
      op: 'ffmpeg',
      args: [
        ...FFMPEG,
        ...['-f', 'h264', '-framerate', String(fps), '-i', `${out}.cc.h264`],
        ...['-f', 'lavfi', '-i', sound],
        ...['-map', '0:v', '-map', '1:a', '-c:v', 'copy', ...aac],
        ...['-movflags', '+faststart', out],
      ],
    },
  ]);
}

/** A QuickTime file with the captions of CEA608_FIXTURE in a `c608` closed-caption track. */
export function c608MovFixture(): Promise<string> {
  return cachedMedia('cea608-c608', 'mov', (out) => [
    { op: 'write', path: `${out}.scc`, data: sccDocument(captions) },
    {
      op: 'ffmpeg',
      args: [
        ...FFMPEG,
        ...['-f', 'lavfi', '-i', picture, '-f', 'lavfi', '-i', sound, '-f', 'scc', '-i', `${out}.scc`],
        ...['-map', '0:v', '-map', '1:a', '-map', '2:s', ...x264, ...aac, '-c:s', 'copy'],
        ...['-metadata:s:s:0', 'language=eng', out],
      ],
    },
  ]);
}
