/** Path prefixes that belong to the server itself: never answered with the console's page. */
const SERVER_PREFIXES = [
  '/v1',
  '/play',
  '/embed',
  '/docs',
  '/healthz',
  '/readyz',
  '/metrics',
  '/player',
  '/assets',
  '/problems',
];

/**
 * Whether a request path is one of the console's own pages (client-side routes such as /library
 * or /media/med_1), which all answer with the console's index.html. Server paths and file-like
 * names (a dot in the last segment) are not.
 */
export function isConsolePath(path: string): boolean {
  const lower = path.toLowerCase();
  if (SERVER_PREFIXES.some((prefix) => lower === prefix || lower.startsWith(`${prefix}/`))) return false;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return !last.includes('.');
}
