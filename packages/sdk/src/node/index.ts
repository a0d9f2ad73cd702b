/**
 * The parts of Kino's SDK that need Node.js (files on disk).
 *
 * @example
 * import { jsonFileUrlStorage } from '@kino/sdk/node';
 */
export { jsonFileUrlStorage } from './json-file-url-storage.ts';
