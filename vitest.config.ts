import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['packages/testkit/src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Kino processes a test starts take no RTMP or SRT publishers unless the test gives them a port
    // (the defaults 1935 and 8890 would be shared by every test running at once).
    env: { KINO_RTMP_PORT: '0', KINO_SRT_PORT: '0' },
    // Most test files wait on ffmpeg, a database, a browser or a timer, so two at a time fit two
    // cores. The cluster tests and `*.quiet.test.ts` files (they kill processes on a schedule or
    // compare times) run one at a time, after the rest (npm test).
    maxWorkers: 2,
  },
});
