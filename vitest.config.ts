import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Every test starts real servers on random ports with its own data directory.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
})
