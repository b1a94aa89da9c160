/*
 * docs.test.mjs — the documentation says what the code does.
 *
 * README.md and docs/*.md are what a newcomer reads first, so what they name must
 * exist: every relative link opens a file of the repository (and a heading in it, for
 * a #fragment); every HTTP route they show is one the Worker serves (checked against the
 * OpenAPI document a running `wrangler dev` answers); the Debian packages the README says
 * the two commands install are exactly the Makefile's list.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT, startDev } from './harness.mjs';

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const text = (file) => readFileSync(join(ROOT, file), 'utf8');
/* Code blocks are examples, not prose: links and routes are looked for outside them,
 * except the routes of ```http blocks, which are requests a reader will send. */
const prose = (markdown) => markdown.replace(/```[\s\S]*?```/g, '');

/* GitHub's anchor for a heading: lower case, punctuation but - and _ dropped, spaces to -. */
const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const anchors = (markdown) =>
  new Set(
    prose(markdown)
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => slug(l.replace(/^#+ /, ''))),
  );

describe('links', () => {
  for (const file of DOCS) {
    it(`${file}: every relative link opens a file and heading that exist`, () => {
      const markdown = text(file);
      const links = [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
      for (const link of links.filter((l) => !/^[a-z]+:/.test(l))) {
        const [path, fragment] = link.split('#');
        const target = path === '' ? file : relative(ROOT, join(ROOT, dirname(file), path));
        assert.ok(existsSync(join(ROOT, target)), `${file} links to ${link}: ${target} does not exist`);
        if (fragment !== undefined && target.endsWith('.md')) {
          assert.ok(
            anchors(text(target)).has(fragment),
            `${file} links to ${link}: no heading #${fragment} in ${target}`,
          );
        }
      }
    });
  }
});

describe('the Debian packages', () => {
  it('the README lists exactly the Makefile APT_PKGS', () => {
    const makefile = text('Makefile')
      .match(/^APT_PKGS := (.*)$/m)[1]
      .trim()
      .split(/\s+/)
      .sort();
    const section = text('README.md').match(/the Debian packages that are missing[\s\S]*?:\s*([\s\S]*?)\./);
    assert.ok(section, 'the README names the Debian packages it installs');
    const listed = section[1]
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .sort();
    assert.deepEqual(listed, makefile);
  });
});

describe('the Kafka compatibility table', () => {
  /* The README lists every API the core's schema table answers, with the same versions:
   * the table ApiVersions answers from (src-c/kafka_schema.c) is the truth. */
  it('README.md lists exactly the APIs and versions of src-c/kafka_schema.c', () => {
    const apis = [...text('src-c/kafka_schema.c').matchAll(/\{(\d+), "(\w+)", (\d+), (\d+), (\w+),/g)];
    assert.ok(apis.length > 30, `read ${apis.length} APIs from the schema table`);
    const readme = text('README.md');
    for (const [, key, name, lo, hi, flex] of apis) {
      const versions = lo === hi ? lo : `${lo}-${hi}`;
      const flexible = flex === 'NO' || Number(flex) > Number(hi) ? '—' : flex;
      assert.ok(
        readme.includes(`| ${name} (${key}) | ${versions} | ${flexible} |`),
        `README.md: ${name} (${key}) ${versions}, flexible from ${flexible}`,
      );
    }
    const listed = [...readme.matchAll(/\| (\w+) \((\d+)\) \| [\d-]+ \|/g)].length;
    assert.equal(listed, apis.length, 'the README lists no API the core does not answer');
  });
});

describe('HTTP routes', () => {
  let dev;
  let served;
  before(async () => {
    dev = await startDev();
    const document = await (await fetch(`${dev.baseUrl}/openapi.json`)).json();
    served = Object.entries(document.paths).flatMap(([template, operations]) =>
      Object.keys(operations).map((method) => ({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      })),
    );
  });
  after(() => dev?.stop({ removePersistDir: true }));

  /* `GET /a/:b` in prose, `| `GET` | `/a/:b` |` in tables, `GET /a/b` on an http block's request line. */
  const routesIn = (markdown) => {
    const shown = [
      ...prose(markdown).matchAll(/`(GET|POST|PUT|DELETE|PATCH|HEAD) (\/[^`\s?]*)[^`]*`/g),
      ...markdown.matchAll(/^\| `(GET|POST|PUT|DELETE|PATCH|HEAD)` \| `(\/[^`?]*)[^`]*` \|/gm),
      ...[...markdown.matchAll(/```http\n([^\n]*)/g)]
        .map((m) => m[1].match(/^(GET|POST|PUT|DELETE|PATCH|HEAD) (\/[^\s?]*)/))
        .filter(Boolean),
    ];
    return shown.map((m) => ({ method: m[1], path: m[2].replace(/:[A-Za-z]+/g, 'x') }));
  };

  /* docs/rest.md: "the stored JSON text itself ... whitespace inside it is kept, and numbers
   * come back exactly as they were sent". */
  it('docs/rest.md: a JSON value reads back as the stored text, exactly', async () => {
    const stored = '{"big": 9007199254740993,  "huge": 1e999, "zero": -0}';
    const produce = await fetch(`${dev.baseUrl}/topics/docs-json/produce?encoding=base64`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: Buffer.from(stored).toString('base64'), partition: 0 }),
    });
    assert.equal(produce.status, 200);
    const { offset } = await produce.json();
    const read = await fetch(`${dev.baseUrl}/topics/docs-json/partitions/0/messages?offset=${offset}&limit=1`);
    const body = await read.text();
    assert.ok(body.includes(`"value":${stored}`), body);
  });

  /* The other direction: a route added to the Worker is documented for people too. */
  it('docs/rest.md: its table lists every route the Worker serves', () => {
    const listed = new Set(
      [...text('docs/rest.md').matchAll(/^\| `(GET|POST|PUT|DELETE|PATCH)` \| `(\/[^`]*)` \|/gm)].map(
        (m) => `${m[1]} ${m[2].replace(/:([A-Za-z]+)/g, '{$1}')}`,
      ),
    );
    const missing = served.map((r) => `${r.method} ${r.template}`).filter((r) => !listed.has(r));
    assert.deepEqual(missing, [], 'routes the Worker serves that docs/rest.md does not list');
  });

  for (const file of DOCS) {
    it(`${file}: every route shown is served`, () => {
      for (const { method, path } of routesIn(text(file))) {
        /* HEAD is answered wherever GET is. */
        const wanted = method === 'HEAD' ? 'GET' : method;
        const found = served.some((r) => r.method === wanted && r.pattern.test(path));
        assert.ok(
          found,
          `${file} shows ${method} ${path}, which the Worker does not serve (OpenAPI paths: ${served.map((r) => `${r.method} ${r.template}`).join(', ')})`,
        );
      }
    });
  }
});
