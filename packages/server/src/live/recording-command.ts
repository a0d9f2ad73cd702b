/**
 * ffmpeg commands that turn a broadcast's live segments into one original (pure). Each period's
 * tracks are whole fragmented MP4 files already (init + segments, byte for byte); they are muxed
 * together, then the periods are joined, all without re-encoding when the periods agree.
 */

/** One period's tracks, joined into one file with its video and audio. */
export function periodMuxArgs(video: string | null, audio: string | null, out: string): string[] {
  const inputs = [video, audio].filter((f): f is string => f !== null);
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  for (const file of inputs) args.push('-i', file);
  inputs.forEach((_, i) => args.push('-map', `${i}`));
  args.push('-c', 'copy', '-movflags', '+faststart', out);
  return args;
}

/** The concat demuxer's list of period files (paths Kino made, quoted as the demuxer wants). */
export function concatList(files: readonly string[]): string {
  return files.map((f) => `file '${f.replace(/'/g, "'\\''")}'`).join('\n') + '\n';
}

/**
 * Joins the period files: a copy when they share codecs and picture size, else one encode to the
 * first period's size (a publisher that changed its settings on a reconnect).
 */
export function joinArgs(
  list: string,
  out: string,
  uniform: boolean,
  size: { width: number; height: number } | null,
): string[] {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    list,
  ];
  if (uniform || !size) return [...args, '-c', 'copy', '-movflags', '+faststart', out];
  const { width, height } = size;
  return [
    ...args,
    '-vf',
    `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '20',
    '-c:a',
    'aac',
    '-b:a',
    '160k',
    '-movflags',
    '+faststart',
    out,
  ];
}
