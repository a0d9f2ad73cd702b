/**
 * The console's client-side routes (packages/console/src/app.tsx): a reload on any of them gets
 * the console's index.html. Keep the two lists in step.
 */
const CONSOLE_PAGES =
  /^\/(login|setup|library|upload|record|settings|operator|media\/[^/]+|invite\/[^/]+)?(\/[a-z-]*)?$/;

/**
 * Whether a request path is one of the console's pages. Everything else (the API, /play, /embed,
 * files, unknown paths) is not, and keeps its own answer or a problem+json 404.
 */
export function isConsolePath(path: string): boolean {
  return CONSOLE_PAGES.test(path);
}
