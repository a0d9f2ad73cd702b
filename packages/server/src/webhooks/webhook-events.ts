/** Every event type a webhook endpoint can subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  'upload.completed',
  'media.playable',
  'media.ready',
  'media.errored',
  'media.captions.ready',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What is POSTed, byte for byte the same on every attempt of a delivery. */
export interface WebhookEventBody {
  /** The event's id, the same in every delivery of it (and in Kino-Event-Id): receivers dedupe by it. */
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: unknown;
}

/** An endpoint with no listed types takes every type. */
export function subscribes(events: readonly string[], type: WebhookEventType): boolean {
  return events.length === 0 || events.includes(type);
}
