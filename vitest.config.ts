import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs offline on the in-memory adapters; `integration`
// runs against a real kube-apiserver started once by the global setup (see
// test/support/control-plane), and with it the data-plane tier (test/dataplane,
// skipped with one line where network namespaces cannot be made). Integration
// files share that control plane and run one at a time.
export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: {
        'src/domain/**': { lines: 90 },
        'src/plugins/**': { lines: 90 },
      },
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['reflect-metadata'],
          // Some tests run an operator through every crash point: seconds of CPU, more on a busy machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'test/integration/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/dataplane/**/*.test.ts',
            'test/realnode/**/*.test.ts',
          ],
          setupFiles: ['reflect-metadata'],
          globalSetup: ['test/support/control-plane/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
