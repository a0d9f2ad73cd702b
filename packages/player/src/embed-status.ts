import type { components } from './openapi.gen.ts';

/**
 * What `GET /embed/{id}/status` answers: where a media stands for a viewer, decided by the same
 * gate as the embed page (tenant rules, then the token for private media). Generated from the
 * server's OpenAPI document (openapi.gen.ts, `npm run api-types`).
 */
export type EmbedStatus = components['schemas']['EmbedStatus'];

export type EmbedState = EmbedStatus['state'];

/** Present when `playable`: URLs that carry the viewer's token, if any. */
export type EmbedPlayback = NonNullable<EmbedStatus['playback']>;

/** States that change by themselves, so the player asks again. */
export const isTransient = (state: EmbedState) => state === 'processing' || state === 'waiting';
