import { Parser, type HlsManifest } from 'm3u8-parser';
import { parse, type DashManifest } from 'mpd-parser';

/** An HLS playlist as videojs's parser (the one behind Video.js and many players) reads it. */
export function parseHls(text: string): { manifest: HlsManifest; warnings: string[] } {
  const parser = new Parser();
  const warnings: string[] = [];
  parser.on('warn', (event) => warnings.push(event.message));
  parser.push(text);
  parser.end();
  return { manifest: parser.manifest, warnings };
}

/** A DASH MPD as videojs's parser reads it; segment URLs resolved against `manifestUri`. */
export function parseDash(text: string, manifestUri: string): { manifest: DashManifest; warnings: string[] } {
  const warnings: string[] = [];
  const manifest = parse(text, {
    manifestUri,
    eventHandler: (event) => {
      if (event.type === 'warn') warnings.push(event.message);
    },
  });
  return { manifest, warnings };
}
