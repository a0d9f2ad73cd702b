/** The idempotency key of a media's processing: one unfinished processing job per media. */
export const processingKey = (mediaId: string) => `media:${mediaId}:process`;

/** The idempotency key of a media's full encode (media.encode): one unfinished encode per media. */
export const encodingKey = (mediaId: string) => `media:${mediaId}:encode`;

/** The idempotency key of a media's URL import: one unfinished import per media. */
export const importKey = (mediaId: string) => `media:${mediaId}:import`;
