/*
 * Vitest for tests/worker: the tests run inside workerd, in the Worker that
 * wrangler.toml describes, against real Durable Object SQLite.
 *
 *   npx vitest run --config vitest.config.ts
 *
 * (Node-side tooling: not part of tsconfig.json, which types the Worker.)
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, remoteBindings: false })],
  test: {
    include: ["tests/worker/**/*.test.ts"],
  },
});
