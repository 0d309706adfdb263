import { defineConfig } from "vitest/config";

// Three projects: `unit` (unit + property tests, no broker), `integration` (against a real Kafka
// broker started once by the global setup, or KAFKA_BROKERS) and `e2e` (the web console in
// Debian's Chromium, which its global setup installs when missing; same broker).
// `npx vitest run --project unit` skips the broker entirely.
const kafkaProject = {
  testTimeout: 180_000,
  hookTimeout: 240_000,
  // Broker tests share one broker on a 2-core machine: run them one file at a time.
  fileParallelism: false,
};

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
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/setup/global-kafka.ts"],
          ...kafkaProject,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/setup/global-chromium.ts", "test/setup/global-kafka.ts"],
          ...kafkaProject,
        },
      },
    ],
  },
});
