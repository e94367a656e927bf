import { defineConfig } from 'vitest/config';

// chDB allows one data dir per process, so every test file runs in its own forked process.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/faults/**/*.test.ts', 'tests/hostile/**/*.test.ts', 'tests/security/**/*.test.ts', 'tests/truth/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
