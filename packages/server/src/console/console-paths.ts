/**
 * The console's client-side routes (packages/console/src/app.tsx): a reload on any of them gets
 * the console's index.html. Keep the two lists in step.
 */
const CONSOLE_PAGES =
  /^\/(login|setup|library|upload|record|analytics|usage|settings|operator|media\/[^/]+|invite\/[^/]+)?(\/[a-z-]*)?$/;

/**
 * Whether a request path is one of the console's pages. Everything else (the API, /play, /embed,
 * files, unknown paths) is not, and keeps its own answer or a problem+json 404.
 */
export function isConsolePath(path: string): boolean {
  return CONSOLE_PAGES.test(path);
}

/** Paths the server answers itself: an unknown one there stays a problem+json 404, even for a browser. */
const SERVER_PATHS = /^\/(v1|play|embed|assets|player|docs|healthz|readyz|metrics|favicon\.svg)(\/|$|\.)/;

/**
 * Whether a path no route takes should get the console's own "Page not found" (a person typed or
 * followed a wrong console address): a browser's page request (Accept: text/html) outside the
 * server's paths. Programs and server paths keep the problem+json 404.
 */
export function isConsoleNotFound(path: string, accept: string | undefined): boolean {
  return !SERVER_PATHS.test(path) && /\btext\/html\b/.test(accept ?? '');
}
