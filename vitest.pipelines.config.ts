/*
 * Vitest for the hosted-pipeline tests (tests/worker/streams/hosted/): in workerd, in
 * the user's Worker of tests/worker/streams/hosted/pipelines-worker.ts (Kafdo's Worker
 * plus two PipelineDO classes, bound by the wrangler.toml beside it). vitest.config.ts
 * leaves that folder out.
 *
 *   npx vitest run --config vitest.pipelines.config.ts
 *
 * (Node-side tooling: not part of tsconfig.json, which types the Worker.)
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: here("./tests/worker/streams/hosted/wrangler.toml") },
      remoteBindings: false,
      miniflare: { bindings: { KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS: "0" } },
    }),
  ],
  resolve: { alias: [{ find: /^kafdo$/, replacement: here("./worker/kafdo.ts") }] },
  test: { name: "kafdo-pipelines", include: ["tests/worker/streams/hosted/*.test.ts"] },
});
