import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The two-node test loads the whole machine for minutes: it runs alone (npm run test:cluster).
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.SMART_TEST_CLUSTER ? [] : ['test/cluster/two-nodes.test.ts']),
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
