#!/usr/bin/env node
/*
 * check-layers.mjs — the import rules of the source tree, checked from the code's own imports.
 *
 *   node scripts/check-layers.mjs [--root DIR]       (make test-layers; DIR defaults to this checkout)
 *
 * Reads every import of every .ts/.mts/.mjs/.js source file under worker/, wasm/, bin/ and
 * scripts/ (and bin/'s extensionless node scripts): `import ... from`, `export ... from`,
 * `import "x"`, dynamic `import("x")` and type-level `typeof import("x")`. Type-only imports
 * count: a type that reaches up a layer ties the layers together as surely as a value does.
 * Relative specifiers are resolved the way the bundler does ("./x" is x.ts, x.mjs, x.js or
 * x/index.ts), and the package's own names ("kafdo/client") through tsconfig.json's paths;
 * everything else (node:*, cloudflare:*, npm packages) is outside the tree and not checked.
 *
 * It fails (exit 1), printing one line per violation, on
 *   - an import that goes up a layer, or across between siblings (LAYERS, below);
 *   - worker/client importing anything outside worker/client and worker/common, or any
 *     Worker layer importing worker/client (the SDK runs anywhere with fetch alone);
 *   - worker/common or worker/client importing any module from outside the tree (an npm
 *     package, node:*, cloudflare:*): the leaf imports nothing, the SDK needs only fetch;
 *   - a source file that is in no layer (add its folder to LAYERS, saying what it owns),
 *     and every import of one (an import that cannot be checked is not allowed);
 *   - an import cycle (each strongly connected set of files, with one loop through it).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/*
 * The layers, lowest first. A file may import its own layer and any layer of lower rank;
 * layers of equal rank are siblings and may not import each other. `paths` are folders
 * (ending in /) or single files, relative to the root; the longest match places a file.
 * `only`, when given, replaces the rank rule: the layer imports only those layers.
 * `packages: false`: the layer imports no module from outside the tree either (no npm
 * package, no node:* or cloudflare:* module), so it runs anywhere.
 */
export const LAYERS = [
  // Shared types, errors and Kafka error codes (generated from the core's list); imports nothing.
  // bin/kafka-frame.mjs is here too: the Kafka frame limit, one plain-JS module with no
  // imports that the relay (Node) and the Worker's Kafka front both read.
  { name: 'common', rank: 0, paths: ['worker/common/', 'bin/kafka-frame.mjs'], packages: false },
  // The binding over the C core (src-c/ compiled to kafdo.wasm): stage bytes, call, read the answer.
  { name: 'wasm', rank: 1, paths: ['wasm/'] },
  // The Durable Object shims: each DO's storage and its calls into the core.
  { name: 'durable-objects', rank: 2, paths: ['worker/durable-objects/'] },
  // Partition access: look the topic up, get the stub, call, on UNKNOWN_TOPIC_OR_PARTITION forget and retry.
  { name: 'partitions', rank: 3, paths: ['worker/partitions/'] },
  // The in-Worker API (the package's `kafdo` entry): producer, consumer, admin, groups.
  { name: 'api', rank: 4, paths: ['worker/api/'] },
  // Stream processing (issue 18): the stream DSL over the in-Worker API, run once or hosted
  // continuously by a PipelineDO the user's Worker exports. The sentences add its methods to
  // kafka`orders`, so it sits below them.
  { name: 'streams', rank: 4.5, paths: ['worker/streams/'] },
  // Integrations: webhooks, CDC, R2 events, the Worker-to-Worker API (`kafdo/integrations`),
  // and the webhook delivery object. Clients of the API; the REST front serves their routes.
  { name: 'integrations', rank: 5, paths: ['worker/integrations/'] },
  // The tagged templates in a Worker (kafka`orders`, `import { kafka } from 'kafdo'`): the
  // sentences' backend over the API below; the grammar and what sentences do are in common/.
  { name: 'sentences', rank: 5, paths: ['worker/sentences/'] },
  // kafkajs's API in a Worker (`kafdo/kafkajs`): a client of the in-Worker API, beside the
  // integrations; nothing in the tree imports it but its package entry.
  { name: 'kafkajs', rank: 5, paths: ['worker/kafkajs/'] },
  // Real-time subscriptions: where a subscriber starts and the delivery loops over the API's
  // long-poll reads; a client of the API that the REST front's subscribe routes serve.
  { name: 'subscriptions', rank: 5, paths: ['worker/subscriptions/'] },
  // The Kafka front: Kafka requests (relayed by `kafdo gateway`) answered over the API below.
  { name: 'kafka', rank: 6, paths: ['worker/kafka/'] },
  // The REST front: routes, handlers, auth, the OpenAPI document.
  { name: 'http', rank: 6, paths: ['worker/http/'] },
  // The Worker itself: the fetch handler, its Env, the entrypoint wiring every front together,
  // and the `kafdo` package entry (the in-Worker API plus the classes a user's Worker exports).
  { name: 'worker', rank: 7, paths: ['worker/index.ts', 'worker/env.ts', 'worker/entrypoint.ts', 'worker/kafdo.ts'] },
  // The HTTP SDK (`kafdo/client`): runs anywhere with fetch, so it carries no Worker code.
  { name: 'client', rank: 7, paths: ['worker/client/'], only: ['client', 'common'], packages: false },
  // Node programs and build tools (`kafdo` command, `kafdo gateway`, dist/ and dev scripts).
  { name: 'tools', rank: 8, paths: ['bin/', 'scripts/'] },
];

const SCANNED = ['worker', 'wasm', 'bin', 'scripts'];
const SOURCE = /\.(ts|mts|mjs|js)$/;
const RESOLVE_SUFFIXES = ['', '.ts', '.mts', '.mjs', '.js', '.d.ts', '/index.ts', '/index.mjs', '/index.js'];

function layerOf(rel) {
  let best;
  for (const layer of LAYERS) {
    for (const p of layer.paths) {
      const hit = p.endsWith('/') ? rel.startsWith(p) : rel === p;
      if (hit && (!best || p.length > best.len)) best = { layer, len: p.length };
    }
  }
  return best?.layer;
}

/* Why `from` may not import `to`, or undefined when it may. */
function ruleBroken(from, to) {
  if (from === to) return undefined;
  if (from.only)
    return from.only.includes(to.name) ? undefined : `${from.name} imports only ${from.only.join(' and ')}`;
  if (to.name === 'client' && from.name !== 'tools')
    return `no Worker layer imports the client (${from.name} → client)`;
  if (to.rank === from.rank) return `siblings do not import each other (${from.name} → ${to.name})`;
  if (to.rank > from.rank) return `upward import (${from.name} → ${to.name})`;
  return undefined;
}

function sourceFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (SOURCE.test(name) || isNodeScript(path)) out.push(path);
    }
  };
  for (const top of SCANNED) if (existsSync(join(root, top))) walk(join(root, top));
  return out;
}

function isNodeScript(path) {
  if (/\.[a-z0-9]+$/i.test(path)) return false;
  return readFileSync(path, 'utf8').startsWith('#!/usr/bin/env node');
}

/* Every module specifier `file` names, with its line. */
export function importsOf(file, text) {
  const kind = /\.(ts|mts)$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found = [];
  const add = (node) => {
    if (node && ts.isStringLiteralLike(node)) {
      found.push({ spec: node.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node.moduleReference.expression);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/* The package's own names (tsconfig.json "paths", e.g. kafdo/client), as root-relative files. */
function packagePaths(root) {
  try {
    const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
    const paths = config?.compilerOptions?.paths ?? {};
    return new Map(Object.entries(paths).map(([name, [target]]) => [name, resolve(root, target)]));
  } catch {
    return new Map();
  }
}

function resolveSpecifier(root, aliases, fromFile, spec) {
  let base;
  if (spec.startsWith('./') || spec.startsWith('../')) base = resolve(dirname(fromFile), spec);
  else if (aliases.has(spec)) base = aliases.get(spec);
  else return undefined; // node:*, cloudflare:*, npm packages: outside the tree
  const candidates = [];
  for (const suffix of RESOLVE_SUFFIXES) candidates.push(base + suffix);
  // TypeScript sources may name their siblings "./x.js".
  if (/\.m?js$/.test(base)) candidates.push(base.replace(/\.(m?)js$/, '.$1ts'));
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  return base; // unresolvable: still placed by its path, so its layer is checked
}

/* Strongly connected components of more than one file (or a file importing itself), Tarjan's. */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? new Set()).has(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  return out;
}

/* One loop through a component: the shortest path from its first file back to itself. */
function loopThrough(graph, component) {
  const members = new Set(component);
  const start = component[0];
  const prev = new Map();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/* The whole check of one tree: { files, violations: [line], cycles: [{ files, loop }] }. */
export function checkLayers(root) {
  root = resolve(root);
  const rel = (p) => relative(root, p).split(sep).join('/');
  const aliases = packagePaths(root);
  const files = sourceFiles(root);
  const graph = new Map();
  const violations = [];
  for (const file of files) {
    const from = layerOf(rel(file));
    if (!from) violations.push(`${rel(file)}: in no layer (add its folder to LAYERS in scripts/check-layers.mjs)`);
    const edges = new Set();
    graph.set(file, edges);
    for (const { spec, line } of importsOf(file, readFileSync(file, 'utf8'))) {
      const target = resolveSpecifier(root, aliases, file, spec);
      if (!target) {
        if (from?.packages === false)
          violations.push(
            `${rel(file)}:${line}: import "${spec}": ${from.name} imports no module from outside the tree`,
          );
        continue;
      }
      const targetRel = rel(target);
      if (targetRel.startsWith('..')) continue; // outside the root (a shared file elsewhere)
      if (SOURCE.test(target) || isScannedFile(targetRel)) edges.add(target);
      const to = layerOf(targetRel);
      if (!from) continue;
      if (!to) {
        if (isScannedFile(targetRel))
          violations.push(`${rel(file)}:${line}: import "${spec}" (${targetRel}): imports a file in no layer`);
        continue;
      }
      const why = ruleBroken(from, to);
      if (why) violations.push(`${rel(file)}:${line}: import "${spec}" (${targetRel}): ${why}`);
    }
  }
  for (const [, edges] of graph) for (const e of edges) if (!graph.has(e)) edges.delete(e);
  const found = cycles(graph).map((c) => ({ files: c.map(rel), loop: loopThrough(graph, c).map(rel) }));
  return { files: files.length, violations, cycles: found };
}

function isScannedFile(rel) {
  return SCANNED.some((top) => rel.startsWith(`${top}/`));
}

function main() {
  const args = process.argv.slice(2);
  let root = join(dirname(fileURLToPath(import.meta.url)), '..');
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--root' && args[i + 1]) root = args[++i];
    else {
      console.error('usage: node scripts/check-layers.mjs [--root DIR]');
      process.exit(2);
    }
  }
  const result = checkLayers(root);
  for (const v of result.violations) console.log(v);
  for (const c of result.cycles) {
    console.log(`import cycle of ${c.files.length} files: ${c.loop.join(' -> ')}`);
    console.log(`  all ${c.files.length}: ${c.files.join(', ')}`);
  }
  const summary = `check-layers: ${result.files} files, ${result.violations.length} layer violations, ${result.cycles.length} import cycles`;
  if (result.violations.length || result.cycles.length) {
    console.log(summary);
    process.exit(1);
  }
  console.log(`${summary}: ok`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
