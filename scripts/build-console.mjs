#!/usr/bin/env node
/*
 * build-console.mjs — the web console (console/) bundled into the Worker's static assets.
 *
 *   node scripts/build-console.mjs [outdir]     (default build/console-assets)
 *
 * esbuild (the one wrangler itself uses) bundles console/src/main.ts into one minified
 * app.js; index.html and style.css are copied beside it. Everything lands under
 * <outdir>/console/, so the Worker's assets (wrangler.toml [assets]) answer /console/ and
 * nothing else: every other path still reaches the Worker. Nothing is fetched at run
 * time from anywhere but the Worker. wrangler runs this before `wrangler dev` and
 * `wrangler deploy` ([build] in wrangler.toml); the Makefile's `console` target too.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(process.argv[2] ?? join(ROOT, 'build', 'console-assets'), 'console');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(ROOT, 'console', 'src', 'main.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(ROOT, 'console', 'static', file), join(out, file));
