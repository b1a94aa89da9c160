/*
 * console.test.mjs — the web console (/console) in a real headless Chromium.
 *
 * A private `wrangler dev` with KAFDO_TOKEN set (tests/e2e/harness.mjs) holds a topic
 * with a JSON and a binary message and a group with lag, made over REST; Debian's
 * chromium (/usr/bin/chromium), driven by playwright-core, then opens the console as a
 * user would: it asks for the token, lists the topic, browses its messages by offset,
 * time and key, edits a config, shows the group's lag, resets the group's offsets and
 * produces a message, and each of these is checked over REST too. A second Worker
 * without a token shows the console never asks for one there.
 *
 * Screenshots of every page: build/console-screenshots/*.png.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, request, startDev } from '../e2e/harness.mjs';

/* global document -- the functions page.waitForFunction is given run in the page. */

const CHROMIUM = process.env.KAFDO_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'build', 'console-screenshots');
const TOKEN = 'console-test-token';
const TOPIC = 'console-orders';
const GROUP = 'console-billing';
const auth = { authorization: `Bearer ${TOKEN}` };
/* The timestamps of partition 0's messages, so a read by time has a known answer;
 * recent, or retention (7 days by default) would delete them when a config changes. */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000;

let dev;
let browser;
let page;

/* A REST call with the token that must succeed; its parsed body. */
async function rest(method, path, body) {
  const res = await request(dev.baseUrl, method, path, body, auth);
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/* Waits until the console has drawn the page of the current location. */
async function drawn() {
  await page.waitForFunction(() => document.getElementById('page')?.dataset.drawn === location.hash);
}

/* Opens a console route and waits until its page has been drawn. */
async function open(hash) {
  await page.evaluate((h) => (location.hash = h), hash);
  await drawn();
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dev = await startDev({ vars: { KAFDO_TOKEN: TOKEN } });
  await rest('POST', '/admin/topics', { topic: TOPIC, partitions: 2 });
  const b64 = (bytes) => Buffer.from(bytes).toString('base64');
  /* Stored as these exact bytes (a JSON body's value would be parsed, and 9007199254740993
   * is past what a JavaScript number holds): the console must show every digit. */
  await rest('POST', `/topics/${TOPIC}/produce?encoding=base64`, {
    partition: 0,
    key: b64('order-1'),
    value: b64('{"id":1,"amount":9007199254740993,"items":["tea","cake"]}'),
    headers: { 'trace-id': b64('abc-123') },
    timestamp: T0,
  });
  await rest('POST', `/topics/${TOPIC}/produce?encoding=base64`, {
    partition: 0,
    key: b64('order-2'),
    value: b64([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]),
    headers: { sig: b64([0xff, 0xfe]) },
    timestamp: T0 + 60_000,
  });
  await rest('POST', `/topics/${TOPIC}/produce`, {
    partition: 0,
    key: 'order-1',
    value: 'plain',
    timestamp: T0 + 120_000,
  });
  await rest('POST', `/topics/${TOPIC}/produce`, { partition: 1, value: { id: 4 } });

  /* A group that consumed partition 0 up to offset 1 and left: empty, with lag 2. */
  const joined = await rest('POST', `/consumer-groups/${GROUP}/join`, { topics: [TOPIC], clientId: 'billing' });
  await rest('POST', `/consumer-groups/${GROUP}/commit`, {
    memberId: joined.memberId,
    generationId: joined.generationId,
    offsets: [{ topic: TOPIC, partition: 0, offset: 1 }],
  });
  await rest('POST', `/consumer-groups/${GROUP}/leave`, { memberId: joined.memberId });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC' });
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await dev?.stop({ removePersistDir: true });
});

describe('the console with a token', () => {
  it('loads at /console, asks for the token once, and lists the topics', async () => {
    const res = await page.goto(`${dev.baseUrl}/console`);
    assert.equal(res.status(), 200);
    await page.waitForSelector('#token-form');
    await shot('token');
    await page.fill('#token-input', 'not-the-token');
    await page.click('#token-form button');
    /* A wrong token is asked for again, saying so. */
    await page.waitForSelector('#token-form >> text=not this Kafdo');
    await page.fill('#token-input', TOKEN);
    await page.click('#token-form button');
    await page.waitForSelector('#topics-table');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('kafdo.console.token')), TOKEN);
    const row = page.locator('#topics-table tr', { hasText: TOPIC });
    /* 2 partitions, 4 messages held, 4 produced, and the stored size from /metrics.json */
    assert.match(await row.innerText(), new RegExp(`${TOPIC}\\s+2\\s+4\\s+4\\s+\\d+(\\.\\d)? (B|KiB)`));
    await shot('topics');

    /* Kept in the tab: a reload does not ask again. */
    await page.reload();
    await page.waitForSelector('#topics-table');
    assert.equal(await page.locator('#token-form').count(), 0);
  });

  it("shows a topic's partitions and changes a config with PATCH", async () => {
    await open(`#/topics/${TOPIC}`);
    const partitions = await page.locator('#partitions-table tbody tr').allInnerTexts();
    assert.equal(partitions.length, 2);
    assert.match(partitions[0], /^0\s+0\s+3\s+3\s+\d+ B/);
    await page.fill('input[data-config="max.message.bytes"]', '500000');
    await page.click('#configs-form button[type=submit]');
    await page.waitForSelector('#configs-status >> text=Saved max.message.bytes');
    const described = await rest('GET', `/admin/topics/${TOPIC}`);
    assert.equal(described.config['max.message.bytes'], '500000');
    assert.equal(await page.inputValue('input[data-config="max.message.bytes"]'), '500000');
    await shot('topic');
  });

  it('browses messages by offset: JSON indented and exact, binary as hex and base64, headers', async () => {
    await open(`#/topics/${TOPIC}/messages?partition=0&offset=0`);
    const json = page.locator('.message[data-offset="0"] pre.value.json');
    const text = await json.innerText();
    assert.match(text, /^\{\n {2}"id": 1,\n {2}"amount": 9007199254740993,\n {2}"items": \[\n {4}"tea",/);
    assert.match(await page.locator('.message[data-offset="0"] .headers').innerText(), /trace-id\s+abc-123/);

    const binary = page.locator('.message[data-offset="1"] .value.binary');
    assert.match(await binary.locator('pre.hex').innerText(), /^000000 {2}de ad be ef 00 01/);
    assert.match(await binary.locator('.base64').innerText(), /3q2\+7wAB/);
    assert.match(await page.locator('.message[data-offset="1"] .headers .binary').innerText(), /ff fe/);
    assert.equal(await page.locator('.message[data-offset="1"] .message-meta code.key.text').innerText(), 'order-2');
    assert.equal(await page.locator('.message[data-offset="2"] pre.value.json').innerText(), '"plain"');
    await shot('messages');
  });

  it('browses messages by time and by key', async () => {
    await open(`#/topics/${TOPIC}/messages?partition=0`);
    await page.selectOption('#browse-form select[name=mode]', 'time');
    await page.fill('#browse-form input[name=at]', new Date(T0 + 30_000).toISOString());
    await page.click('#browse-form button');
    await page.waitForFunction(() => location.hash.includes('time='));
    await drawn();
    assert.deepEqual(await page.locator('.message').evaluateAll((els) => els.map((e) => e.dataset.offset)), ['1', '2']);

    await open(`#/topics/${TOPIC}/messages?partition=0&key=order-1`);
    assert.deepEqual(await page.locator('.message').evaluateAll((els) => els.map((e) => e.dataset.offset)), ['0', '2']);
  });

  it('lists the group and shows its lag per partition', async () => {
    await open('#/groups');
    assert.match(await page.locator('#groups-table tr', { hasText: GROUP }).innerText(), /Empty\s+0\s+2/);
    await shot('groups');
    await open(`#/groups/${GROUP}`);
    assert.equal(await page.locator('#group-state').innerText(), 'Empty');
    const lag = await page.locator('#lag-table tbody tr').allInnerTexts();
    assert.match(lag[0], new RegExp(`^${TOPIC}\\s+0\\s+1\\s+3\\s+2`)); /* committed 1, high watermark 3, lag 2 */
    await shot('group');
  });

  it("resets the group's offsets to the earliest, seen over REST", async () => {
    await open(`#/groups/${GROUP}`);
    await page.selectOption('#reset-form select[name=to]', 'earliest');
    await page.click('#reset-preview-button');
    await page.waitForSelector('#reset-preview');
    /* A preview changes nothing. */
    let offsets = (await rest('GET', `/consumer-groups/${GROUP}/offsets`)).offsets;
    assert.equal(offsets.find((o) => o.partition === 0).offset, 1);

    await page.click('#reset-button');
    await page.waitForSelector('#reset-result');
    offsets = (await rest('GET', `/consumer-groups/${GROUP}/offsets`)).offsets;
    assert.equal(offsets.find((o) => o.partition === 0).offset, 0);
    const lag = await page.locator('#lag-table tbody tr').allInnerTexts();
    assert.match(lag[0], new RegExp(`^${TOPIC}\\s+0\\s+0\\s+3\\s+3`)); /* the page is drawn again: lag 3 */
    await shot('group-reset');
  });

  it('produces a test message', async () => {
    await open(`#/produce?topic=${TOPIC}`);
    await page.fill('#produce-form input[name=partition]', '1');
    await page.fill('#produce-form input[name=key]', 'from-console');
    await page.fill('#produce-form textarea[name=value]', '{"made": "in the console"}');
    await page.fill('#produce-form textarea[name=headers]', 'source: console');
    await page.click('#produce-form button');
    await page.waitForSelector('#produce-status >> text=offset 1');
    await shot('produce');
    const read = await rest('GET', `/topics/${TOPIC}/partitions/1/messages?offset=1`);
    assert.deepEqual(
      read.messages.map((m) => [m.key, m.value, m.headers]),
      [['from-console', { made: 'in the console' }, { source: 'console' }]],
    );
  });

  it('charts throughput and lag over the last hour', async () => {
    await open('#/charts');
    await page.waitForSelector('svg.chart');
    assert.equal(await page.locator('svg.chart').count(), 4);
    /* This minute's produces are on the throughput chart, and the group on the lag chart. */
    assert.equal(await page.locator('svg.chart path[data-series="produced"]').count(), 1);
    assert.equal(await page.locator(`svg.chart path[data-series="${TOPIC}"]`).count(), 1);
    assert.equal(await page.locator(`svg.chart path[data-series="${GROUP}"]`).count(), 1);
    await shot('charts');
  });

  it('asked for the token only once in all', async () => {
    assert.equal(await page.locator('#token-form').count(), 0);
  });
});

describe('the console without a token', () => {
  it('never asks for one', async () => {
    const open = await startDev();
    const tab = await browser.newPage();
    try {
      await request(open.baseUrl, 'POST', '/admin/topics', { topic: 'no-token-topic' });
      await tab.goto(`${open.baseUrl}/console/`);
      await tab.waitForSelector('#topics-table >> text=no-token-topic');
      assert.equal(await tab.locator('#token-form').count(), 0);
    } finally {
      await tab.close();
      await open.stop({ removePersistDir: true });
    }
  });
});
