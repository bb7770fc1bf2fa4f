import { defineConfig } from 'vitest/config';
import { TaskOrderSequencer } from './src/checks/task-order.ts';

export default defineConfig({
  test: {
    sequence: { sequencer: TaskOrderSequencer },
    projects: [
      {
        test: {
          name: 'self',
          include: ['test/**/*.test.ts'],
          // Some self-tests build images and start containers.
          testTimeout: 300_000,
          // Concurrent tests (the fault variants, each a whole harness run) at most three at a time on two cores.
          maxConcurrency: 3,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'suites',
          include: ['suites/**/*.test.ts'],
          globalSetup: ['src/environments/global-setup.ts'],
          // The suites share one environment and some break it on purpose (a paused database): one file at a time.
          fileParallelism: false,
          sequence: { shuffle: false },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
