import { defineConfig } from "vitest/config";

// Two projects: `unit` (unit + property tests, no broker) and `integration` (integration and
// e2e tests against a real Kafka broker started once by the global setup, or KAFKA_BROKERS).
// `npx vitest run --project unit` skips the broker entirely.
export default defineConfig({
  test: {
    pool: "forks",
    env: { KAFKAJS_NO_PARTITIONER_WARNING: "1" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/property/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/setup/global-kafka.ts"],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          // Integration files share one broker on a 2-core machine: run them one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
