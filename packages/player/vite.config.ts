import { defineConfig } from 'vite';

/** One self-contained ES module (hls.js and media-chrome inside), served by Kino at /player/kino-player.js. */
export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    lib: {
      entry: 'src/index.ts',
      formats: ['es'],
      fileName: () => 'kino-player.js',
    },
    // Library mode leaves ES output unminified (for bundlers downstream); this file goes to browsers.
    rolldownOptions: { output: { minify: true } },
  },
});
