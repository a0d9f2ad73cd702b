import { z } from 'zod';

/** The largest beacon body Kino reads; a bigger one is refused (413) before it is parsed. */
export const MAX_BEACON_BYTES = 16 * 1024;
/** Events in one beacon: a player batches about 10 s of them. */
export const MAX_EVENTS_PER_BEACON = 60;
/** A view lasts at most this long on the player's clock (events past it are refused). */
export const MAX_VIEW_MS = 7 * 24 * 3600 * 1000;

export const BEACON_EVENT_TYPES = [
  /** The player loaded the media (the view exists, nothing asked to play yet). */
  'viewstart',
  /** Play intent: autoplay, or the viewer pressed play. */
  'playrequest',
  /** The first frame showed: the end of startup. */
  'firstframe',
  'rebufferstart',
  'rebufferend',
  'seek',
  'pause',
  'play',
  /** The player moved to another rendition (bitrate, width, height). */
  'rendition',
  'error',
  'heartbeat',
  'ended',
  /** The page went away (pagehide): the view is over. */
  'pagehide',
] as const;

export type BeaconEventType = (typeof BEACON_EVENT_TYPES)[number];

const ms = z.number().min(0).max(MAX_VIEW_MS);

export const beaconEventSchema = z.strictObject({
  e: z.enum(BEACON_EVENT_TYPES),
  /** When, in milliseconds since the view began, on the player's clock. */
  t: ms,
  /** Milliseconds the video played since the previous event (playing, not paused or stalled). */
  p: ms.optional(),
  bitrate: z.number().int().min(0).max(1_000_000_000).optional(),
  width: z.number().int().min(0).max(16384).optional(),
  height: z.number().int().min(0).max(16384).optional(),
  code: z.string().max(80).optional(),
  message: z.string().max(500).optional(),
  fatal: z.boolean().optional(),
});

export type BeaconEvent = z.infer<typeof beaconEventSchema>;

/** A view id: drawn by the player, at least 96 random bits in URL-safe characters. */
export const VIEW_ID = /^[A-Za-z0-9_-]{16,64}$/;

export const beaconSchema = z
  .strictObject({
    grant: z
      .string()
      .min(1)
      .max(1024)
      .describe('The beacon grant of the playback session (EXT-X-SESSION-DATA video.kino.beacon)'),
    view: z.string().regex(VIEW_ID).describe('The view id the player drew for this playback'),
    player: z
      .strictObject({
        name: z
          .string()
          .min(1)
          .max(40)
          .regex(/^[\w .@/-]+$/),
        version: z
          .string()
          .max(20)
          .regex(/^[\w.+-]*$/)
          .optional(),
      })
      .optional(),
    events: z.array(beaconEventSchema).min(1).max(MAX_EVENTS_PER_BEACON),
  })
  .meta({ id: 'Beacon' });

export type Beacon = z.infer<typeof beaconSchema>;
