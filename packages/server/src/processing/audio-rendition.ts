import fs from 'node:fs/promises';
import path from 'node:path';
import { MEDIA_TIME_OFFSET_SECONDS, outputs } from './ffmpeg-commands.ts';
import type { PublishedRendition } from '../media/playback-index.ts';
import type { AudioPlan } from './plan.ts';
import { mp4aCodecString, parseFfmpegPlaylist } from './rendition-index.ts';

/**
 * An audio track's rendition as ffmpeg wrote it into the work folder: its byte index, its codec
 * string read from its init segment, and what players list it as.
 */
export async function audioRendition(
  workdir: string,
  track: AudioPlan,
  loudnessLufs: number | null = null,
): Promise<PublishedRendition> {
  const index = parseFfmpegPlaylist(
    await fs.readFile(path.join(workdir, outputs.audioTrackIndex(track)), 'utf8'),
  );
  const handle = await fs.open(path.join(workdir, outputs.audioTrack(track)));
  try {
    const init = Buffer.alloc(index.initLength);
    await handle.read(init, 0, index.initLength, 0);
    return {
      id: track.id,
      kind: 'audio',
      file: outputs.audioTrack(track),
      codec: mp4aCodecString(init),
      width: null,
      height: null,
      frameRate: null,
      index,
      timeOffsetSeconds: MEDIA_TIME_OFFSET_SECONDS,
      language: track.language,
      name: track.name,
      isDefault: track.isDefault,
      channels: track.channels,
      ...(track.isDefault && { loudnessLufs }),
    };
  } finally {
    await handle.close();
  }
}
