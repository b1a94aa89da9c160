/*
 * The vitest config of bench/streams.bench.ts: the project's (vitest.config.ts), running
 * only the benchmark.
 *
 *   npx vitest run --config bench/streams.config.ts
 */
import { defineConfig } from "vitest/config";
import base from "../vitest.config";

export default defineConfig({
  ...base,
  test: { ...base.test, include: ["bench/streams.bench.ts"], exclude: [], testTimeout: 600000 },
});
