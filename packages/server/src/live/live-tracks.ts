import { z } from 'zod';

/** One track of a broadcast's period, as its init segment describes it (see fmp4-boxes.ts). */
export const liveTrackSchema = z.object({
  id: z.string().regex(/^[a-z0-9]{1,16}$/),
  kind: z.enum(['video', 'audio']),
  codecs: z.string().max(64),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** Bits per second, estimated from what has arrived. */
  bandwidth: z.number().int().positive(),
  /** The period's first segment's decode time, in milliseconds (DASH presentationTimeOffset). */
  startMs: z.number().nonnegative(),
});

export type LiveTrack = z.infer<typeof liveTrackSchema>;

export function parseTracks(json: string): LiveTrack[] {
  const parsed = z.array(liveTrackSchema).safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : [];
}

/** A period with its tracks: one publisher session of a broadcast. */
export interface LivePeriod {
  period: number;
  startedAt: number;
  tracks: LiveTrack[];
}

/** A segment as the playlists need it. */
export interface LiveSegment {
  seq: number;
  period: number;
  durationMs: number;
  receivedAt: number;
}
