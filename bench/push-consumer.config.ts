/*
 * The vitest config of bench/push-consumer.bench.ts: the project's (vitest.config.ts,
 * with its PUSH_TARGET auxiliary Worker), running only the benchmark.
 *
 *   npx vitest run --config bench/push-consumer.config.ts
 */
import { defineConfig } from "vitest/config";
import base from "../vitest.config";

export default defineConfig({
  ...base,
  test: { ...base.test, include: ["bench/push-consumer.bench.ts"], testTimeout: 600000 },
});
