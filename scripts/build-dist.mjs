#!/usr/bin/env node
/*
 * build-dist.mjs — the npm package's build: dist/, what `npm pack` ships.
 *
 *   node scripts/build-dist.mjs      (npm run build; npm pack runs it as prepack)
 *
 * 1. tsc -p tsconfig.build.json compiles worker/ and wasm/ to JavaScript and .d.ts
 *    files under dist/, keeping the tree (dist/worker/..., dist/wasm/...).
 * 2. wasm/kafdo.wasm is copied beside the compiled binding (dist/wasm/), which
 *    imports it as "./kafdo.wasm": the user's wrangler bundles it from there as a
 *    compiled WebAssembly module, as it does for this repository's Worker.
 * 3. Relative import specifiers get their file extension. The sources import
 *    "./transport" and leave the rest to a bundler, which is right for Worker code
 *    (wrangler bundles it) but not for Node, whose ES modules need the full path:
 *    kafdo/client must run from Node without a bundler. Each "./x" in the emitted
 *    .js and .d.ts becomes "./x.js" or "./x/index.js", whichever file exists; then
 *    every relative specifier in dist/ is checked to name a file, and the build
 *    fails on one that does not.
 * 4. The shipped types declare nothing global. worker/env.ts declares the global
 *    Cloudflare.Env and GlobalProps for this repository's own Worker and tests (what
 *    `wrangler types` would generate for it); a user's Worker has its own, which
 *    Kafdo's would collide with, so every `declare global { ... }` block is taken
 *    out of the emitted .d.ts files.
 *
 * dist/ has no runtime dependencies; its only imports outside dist/ are the runtime's
 * own ("cloudflare:workers", in the Worker-side entries). The package's one dependency,
 * ws, is for bin/gateway.mjs (`kafdo gateway`), which is not built.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const WASM = join(ROOT, 'wasm', 'kafdo.wasm');

/* from "./x", import("./x"), import "./x", export ... from "./x". */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']*)\2/g;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function withExtension(fromFile, specifier) {
  const target = join(dirname(fromFile), specifier);
  if (/\.(m?js|wasm|json)$/.test(specifier) && existsSync(target)) return specifier;
  if (existsSync(`${target}.js`)) return `${specifier}.js`;
  if (existsSync(join(target, 'index.js'))) return `${specifier.replace(/\/$/, '')}/index.js`;
  return undefined;
}

if (!existsSync(WASM)) {
  console.error('build-dist: wasm/kafdo.wasm is absent; build it first (make wasm)');
  process.exit(1);
}

rmSync(DIST, { recursive: true, force: true });
try {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
} catch {
  console.error('build-dist: tsc failed (above); dist/ is not built');
  rmSync(DIST, { recursive: true, force: true });
  process.exit(1);
}
copyFileSync(WASM, join(DIST, 'wasm', 'kafdo.wasm'));

/* `text` without its `declare global { ... }` blocks (braces matched). */
function withoutGlobals(text) {
  for (;;) {
    const start = text.search(/^declare global \{/m);
    if (start < 0) return text;
    let depth = 0;
    let end = text.indexOf('{', start);
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      else if (text[end] === '}' && --depth === 0) break;
    }
    text = text.slice(0, start) + text.slice(end + 1).replace(/^\n/, '');
  }
}

const unresolved = [];
for (const file of files(DIST).filter((f) => /\.(js|d\.ts)$/.test(f))) {
  const source = readFileSync(file, 'utf8');
  const local = file.endsWith('.d.ts') ? withoutGlobals(source) : source;
  const rewritten = local.replace(SPECIFIER, (whole, lead, quote, specifier) => {
    const full = withExtension(file, specifier);
    if (full === undefined) {
      unresolved.push(`${relative(ROOT, file)}: ${specifier}`);
      return whole;
    }
    return `${lead}${quote}${full}${quote}`;
  });
  if (rewritten !== source) writeFileSync(file, rewritten);
}
if (unresolved.length > 0) {
  console.error(`build-dist: relative imports that name no file in dist/:\n  ${unresolved.join('\n  ')}`);
  process.exit(1);
}
console.log(`build-dist: ${relative(process.cwd(), DIST) || '.'}/ built`);
