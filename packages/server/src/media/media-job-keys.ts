/** How a media's job keys are made: `${prefix}${mediaId}${suffix}` (SQL builds them the same way). */
export const MEDIA_JOB_KEY = {
  prefix: 'media:',
  process: ':process',
  encode: ':encode',
  import: ':import',
  liveRecord: ':live-record',
  captions: ':captions.generate',
  restoreOriginal: ':restore-original',
};

/** The idempotency key of a media's processing: one unfinished processing job per media. */
export const processingKey = (mediaId: string) => `${MEDIA_JOB_KEY.prefix}${mediaId}${MEDIA_JOB_KEY.process}`;

/** The idempotency key of a media's full encode (media.encode): one unfinished encode per media. */
export const encodingKey = (mediaId: string) => `${MEDIA_JOB_KEY.prefix}${mediaId}${MEDIA_JOB_KEY.encode}`;

/** The idempotency key of a media's URL import: one unfinished import per media. */
export const importKey = (mediaId: string) => `${MEDIA_JOB_KEY.prefix}${mediaId}${MEDIA_JOB_KEY.import}`;

/** The idempotency key of assembling a broadcast's recording (live.record): one per media. */
export const liveRecordKey = (mediaId: string) =>
  `${MEDIA_JOB_KEY.prefix}${mediaId}${MEDIA_JOB_KEY.liveRecord}`;

/** The suffixes of every job that moves a media on from `processing`. */
export const MEDIA_WORK_KEY_SUFFIXES = [
  MEDIA_JOB_KEY.process,
  MEDIA_JOB_KEY.encode,
  MEDIA_JOB_KEY.import,
  MEDIA_JOB_KEY.liveRecord,
];

/** The idempotency key of bringing a media's original back from cold storage: one per media. */
export const restoreOriginalKey = (mediaId: string) =>
  `${MEDIA_JOB_KEY.prefix}${mediaId}${MEDIA_JOB_KEY.restoreOriginal}`;

/** The suffixes of every job that reads a media's original: while one is unfinished it stays hot. */
export const ORIGINAL_READER_KEY_SUFFIXES = [
  MEDIA_JOB_KEY.process,
  MEDIA_JOB_KEY.encode,
  MEDIA_JOB_KEY.captions,
  MEDIA_JOB_KEY.restoreOriginal,
];
