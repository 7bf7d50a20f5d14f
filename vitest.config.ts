import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous, for a loaded 2-core machine: tests wait for conditions, never for the clock.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every test starts real servers on random ports with its own data directory.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
})
