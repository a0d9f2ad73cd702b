import { defineConfig } from 'vite';

/**
 * The console: a single-page app that the Kino server serves at `/` (packages/server/src/console).
 * `npm run dev -w @kino/console` proxies the API to a Kino on :8080 for development.
 */
export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or modulepreload polyfill: the server's CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/play', '/embed', '/player'].map((path) => [path, 'http://127.0.0.1:8080']),
    ),
  },
});
