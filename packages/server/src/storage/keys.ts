/** S3 limits keys to 1,024 bytes; keys here are ASCII, so characters and bytes agree. */
export const MAX_KEY_LENGTH = 1024;
/** The longest file name most file systems accept. */
export const MAX_SEGMENT_LENGTH = 255;

// A leading dot is refused: it rules out `.` and `..`, and leaves dot-names free for temporary files.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** A storage key or prefix that is not allowed; its message says why, quoting the key safely. */
export class InvalidStorageKeyError extends Error {
  override name = 'InvalidStorageKeyError';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid storage key ${JSON.stringify(key.slice(0, 80))}: ${reason}`);
  }
}

/** Why `key` is not a valid storage key, or undefined when it is. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'not a string';
  if (key === '') return 'empty';
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (key.startsWith('/')) return 'starts with a slash';
  for (const segment of key.split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment.length > MAX_SEGMENT_LENGTH)
      return `a segment is longer than ${MAX_SEGMENT_LENGTH} characters`;
    if (!SEGMENT.test(segment)) return 'segments are made of A-Z a-z 0-9 . _ - and do not start with a dot';
  }
  return undefined;
}

export function isValidKey(key: unknown): key is string {
  return keyProblem(key) === undefined;
}

/**
 * Throws InvalidStorageKeyError unless `key` is a relative path of segments made of
 * `[A-Za-z0-9._-]` (none empty, none starting with a dot), at most MAX_KEY_LENGTH long.
 *
 * @example assertValidKey('media/01J8/v1/hls/index.m3u8')
 */
export function assertValidKey(key: unknown): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new InvalidStorageKeyError(typeof key === 'string' ? key : '', problem);
}

/** Throws InvalidStorageKeyError unless `prefix` is '' (everything) or a valid key followed by '/'. */
export function assertValidPrefix(prefix: unknown): asserts prefix is string {
  if (prefix === '') return;
  if (typeof prefix !== 'string' || !prefix.endsWith('/')) {
    throw new InvalidStorageKeyError(
      typeof prefix === 'string' ? prefix : '',
      "a prefix is '' or ends with '/'",
    );
  }
  const problem = keyProblem(prefix.slice(0, -1));
  if (problem !== undefined) throw new InvalidStorageKeyError(prefix, problem);
}

/**
 * Joins parts with '/' and checks the result is a valid key.
 *
 * @example joinKey('media', mediaId, 'source') // 'media/01J8.../source'
 */
export function joinKey(...parts: string[]): string {
  const key = parts.join('/');
  assertValidKey(key);
  return key;
}

/**
 * Joins parts into a prefix for `list` and `deletePrefix` (a key followed by '/').
 *
 * @example keyPrefix('media', mediaId) // 'media/01J8.../'
 */
export function keyPrefix(...parts: string[]): string {
  return `${joinKey(...parts)}/`;
}
