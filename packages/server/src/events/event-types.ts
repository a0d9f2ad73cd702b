/** Every event type a webhook endpoint can subscribe to. */
export const EVENT_TYPES = [
  'upload.completed',
  'media.playable',
  'media.ready',
  'media.errored',
  'media.captions.ready',
  'live_stream.created',
  'live_stream.active',
  'live_stream.disconnected',
  'live_stream.idle',
  'live_stream.deleted',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** What is POSTed, byte for byte the same on every attempt of every delivery of the event. */
export interface EventBody {
  /** The event's id, the same in every delivery of it (and in Kino-Event-Id): receivers dedupe by it. */
  id: string;
  type: EventType;
  createdAt: string;
  data: unknown;
}

/** An endpoint with no listed types takes every type. */
export function subscribes(events: readonly string[], type: EventType): boolean {
  return events.length === 0 || events.includes(type);
}
