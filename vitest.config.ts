/*
 * Vitest for tests/worker: the tests run inside workerd, in the Worker that
 * wrangler.toml describes, against real Durable Object SQLite.
 *
 *   npx vitest run --config vitest.config.ts
 *
 * Beside it runs a second Worker, tests/worker/fixtures/service-caller.mjs, bound to
 * Kafdo's KafdoService entrypoint as a user's Worker would be; the tests reach it
 * through the CALLER binding (service-binding.test.ts). The plugin runs the tested
 * Worker under the name "vitest-plugin-runner-<project name>", so that is the name
 * the caller's binding points at; the project is named here to keep it fixed.
 *
 * The package's entry points ("kafdo", "kafdo/client", ...) resolve to their sources,
 * as tsconfig.json's paths do: package.json points them at dist/, which only the
 * package build makes.
 *
 * (Node-side tooling: not part of tsconfig.json, which types the Worker.)
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

const PROJECT = "kafdo";
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      remoteBindings: false,
      miniflare: {
        /* Lets the plugin see the Worker's named exports (KafdoService) and serve
         * them to bindings; on by default from compatibility date 2025-11-17. */
        compatibilityFlags: ["enable_ctx_exports"],
        /* Kafka-protocol groups start at once here (Kafka's 3 s initial rebalance
         * delay is the default elsewhere): the tests count on quick groups. */
        bindings: { KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS: "0" },
        /* PUSH_TARGET: a Worker that push subscriptions deliver to
         * (tests/worker/integrations/push-consumers.test.ts). */
        serviceBindings: { CALLER: "service-caller", PUSH_TARGET: { name: "push-target", entrypoint: "PushTarget" } },
        workers: [
          {
            name: "service-caller",
            modules: true,
            scriptPath: "./tests/worker/fixtures/service-caller.mjs",
            compatibilityDate: "2025-09-01",
            serviceBindings: { KAFDO: { name: `vitest-plugin-runner-${PROJECT}`, entrypoint: "KafdoService" } },
          },
          {
            name: "push-target",
            modules: true,
            scriptPath: "./tests/worker/fixtures/push-target.mjs",
            compatibilityDate: "2025-09-01",
          },
        ],
      },
    }),
  ],
  resolve: {
    alias: [
      { find: /^kafdo$/, replacement: source("./worker/kafdo.ts") },
      { find: /^kafdo\/client$/, replacement: source("./worker/client/index.ts") },
      { find: /^kafdo\/integrations$/, replacement: source("./worker/integrations/index.ts") },
      { find: /^kafdo\/kafkajs$/, replacement: source("./worker/kafkajs/index.ts") },
      { find: /^kafdo\/worker$/, replacement: source("./worker/index.ts") },
    ],
  },
  test: {
    name: PROJECT,
    include: ["tests/worker/**/*.test.ts"],
    /* A test's own deadline, not a speed check: 5 s (vitest's default) was overrun
     * by a metrics scrape, which calls every Durable Object, on a loaded 2-core
     * machine. Waits inside tests have their own, shorter limits. */
    testTimeout: 30_000,
    /* hosted pipelines run in a Worker of their own: vitest.pipelines.config.ts */
    exclude: [...configDefaults.exclude, "tests/worker/streams/hosted/**"],
  },
});
