/*
 * messages.ts — #/topics/<topic>/messages: a partition's messages from an offset, from a
 * time, or by key, with their headers.
 *
 * Reads ask for encoding=base64, so each key, value and header value arrives as its exact
 * bytes and bytes.ts decides how to show it (JSON indented, text, or hex and base64).
 * By offset with none given, the page shows the partition's last PAGE messages.
 * By key: a compacted topic answers the key's latest record from its key table
 * (GET /topics/:topic/keys/:key); any other topic is scanned, its last SCAN records,
 * for records with that key.
 */
import { ApiError, enc, get } from "../api";
import { classify, type Shown, toBase64 } from "../bytes";
import { formValues, h, replace } from "../dom";
import { count, errorNotice, notice, page, time } from "../ui";

const PAGE = 50;
const SCAN = 10000;

interface Message {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string | null>;
  partition?: number;
}

interface ReadResult {
  logStartOffset: number;
  highWatermark: number;
  nextOffset: number;
  messages: Message[];
}

type Mode = "offset" | "time" | "key";

export async function renderMessages(main: HTMLElement, topic: string, query: URLSearchParams): Promise<void> {
  const described = await get<{ partitions: { partition: number }[] }>(`/admin/topics/${enc(topic)}`);
  const partition = Number(query.get("partition") ?? 0);
  const mode: Mode = query.has("time") ? "time" : query.has("key") ? "key" : "offset";
  const results = h("div", { id: "messages" });
  replace(
    main,
    h("h1", null, "Messages of ", h("a", { href: page(["topics", topic]) }, h("code", null, topic))),
    searchForm(topic, described.partitions.length, partition, mode, query),
    results,
  );
  try {
    if (mode === "key") await showByKey(results, topic, partition, query.get("key") ?? "");
    else await showRead(results, topic, partition, mode, query);
  } catch (e) {
    replace(results, errorNotice(e));
  }
}

function searchForm(topic: string, partitions: number, partition: number, mode: Mode, query: URLSearchParams) {
  const value = mode === "offset" ? (query.get("offset") ?? "") : (query.get(mode) ?? "");
  const form = h(
    "form",
    {
      class: "inline",
      id: "browse-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const v = formValues(form);
        location.hash = page(["topics", topic, "messages"], { partition: v.partition, [v.mode ?? "offset"]: v.at });
      },
    },
    h(
      "label",
      null,
      "Partition ",
      h(
        "select",
        { name: "partition" },
        Array.from({ length: partitions }, (_, p) => h("option", { value: p, selected: p === partition }, String(p))),
      ),
    ),
    h(
      "label",
      null,
      "From ",
      h(
        "select",
        { name: "mode" },
        h("option", { value: "offset", selected: mode === "offset" }, "offset"),
        h("option", { value: "time", selected: mode === "time" }, "time"),
        h("option", { value: "key", selected: mode === "key" }, "key"),
      ),
    ),
    h("input", {
      name: "at",
      value,
      placeholder: "offset · 2026-01-31T12:00:00Z or ms · key",
      size: 32,
    }),
    h("button", { type: "submit" }, "Show"),
  );
  return form;
}

/* A time as typed: ms since the epoch, or anything Date.parse reads (an ISO date). */
function parseTime(text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms) || ms < 0)
    throw new Error(`"${text}" is not a time: give ms since the epoch or a date such as 2026-01-31T12:00:00Z`);
  return ms;
}

async function showRead(
  results: HTMLElement,
  topic: string,
  partition: number,
  mode: Mode,
  query: URLSearchParams,
): Promise<void> {
  const base = `/topics/${enc(topic)}/partitions/${partition}`;
  let from: string;
  if (mode === "time") {
    from = `timestamp=${parseTime(query.get("time") ?? "")}`;
  } else if (query.get("offset")) {
    from = `offset=${Number(query.get("offset"))}`;
  } else {
    const o = await get<{ earliest: number; latest: number }>(`${base}/offsets`);
    from = `offset=${Math.max(o.earliest, o.latest - PAGE)}`;
  }
  const read = await get<ReadResult>(`${base}/messages?${from}&limit=${PAGE}&encoding=base64`);
  const first = read.messages[0]?.offset ?? read.nextOffset;
  const pager = h(
    "p",
    { class: "pager" },
    `Partition ${partition}: offsets ${count(read.logStartOffset)} to ${count(read.highWatermark - 1)}. `,
    read.messages.length ? `Showing ${count(first)}–${count(read.nextOffset - 1)}. ` : "No messages here. ",
    first > read.logStartOffset
      ? h(
          "a",
          {
            href: page(["topics", topic, "messages"], {
              partition,
              offset: Math.max(read.logStartOffset, first - PAGE),
            }),
          },
          "← older",
        )
      : null,
    " ",
    read.nextOffset < read.highWatermark
      ? h("a", { href: page(["topics", topic, "messages"], { partition, offset: read.nextOffset }) }, "newer →")
      : null,
  );
  replace(results, pager, messageList(read.messages, partition));
}

async function showByKey(results: HTMLElement, topic: string, partition: number, key: string): Promise<void> {
  if (key === "") return replace(results, notice("Give a key."));
  try {
    const latest = await get<Message & { partition: number }>(`/topics/${enc(topic)}/keys/${enc(key)}?encoding=base64`);
    return replace(
      results,
      notice(`The latest record of this key (compacted topic), in partition ${latest.partition}.`),
      messageList([latest], latest.partition),
    );
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.code === "NOT_FOUND") {
      return replace(results, notice("This key has no record."));
    }
    if (!(e instanceof ApiError && e.code === "INVALID_REQUEST")) throw e;
  }
  /* Not compacted: scan the partition's last SCAN records for the key. */
  const base = `/topics/${enc(topic)}/partitions/${partition}`;
  const o = await get<{ earliest: number; latest: number }>(`${base}/offsets`);
  const from = Math.max(o.earliest, o.latest - SCAN);
  const wanted = toBase64(new TextEncoder().encode(key));
  const found: Message[] = [];
  for (let offset = from; offset < o.latest;) {
    const read = await get<ReadResult>(`${base}/messages?offset=${offset}&limit=${SCAN}&encoding=base64`);
    found.push(...read.messages.filter((m) => m.key === wanted));
    if (read.messages.length === 0) break;
    offset = read.nextOffset;
  }
  replace(
    results,
    notice(
      `${found.length} record(s) with this key among partition ${partition}'s offsets ${count(from)} to ${count(o.latest - 1)}.`,
    ),
    messageList(found, partition),
  );
}

function messageList(messages: Message[], partition: number): HTMLElement {
  return h(
    "ol",
    { class: "messages" },
    messages.map((m) => {
      const headers = Object.entries(m.headers ?? {});
      return h(
        "li",
        { class: "message", "data-offset": m.offset, "data-partition": m.partition ?? partition },
        h(
          "div",
          { class: "message-meta" },
          h("strong", null, `#${m.offset}`),
          ` · ${time(m.timestamp)} · key `,
          shown(classify(m.key), "key"),
        ),
        shown(classify(m.value), "value"),
        headers.length
          ? h(
              "dl",
              { class: "headers" },
              headers.map(([name, v]) => [h("dt", null, name), h("dd", null, shown(classify(v), "header"))]),
            )
          : null,
      );
    }),
  );
}

function shown(s: Shown, role: string): HTMLElement {
  switch (s.kind) {
    case "null":
      return h("span", { class: `${role} null` }, "null");
    case "json":
      return h(role === "value" ? "pre" : "code", { class: `${role} json` }, s.text);
    case "text":
      return h(role === "value" ? "pre" : "code", { class: `${role} text` }, s.text);
    case "binary":
      return h(
        "div",
        { class: `${role} binary` },
        h("span", { class: "tag" }, `binary, ${s.length} bytes`),
        h("pre", { class: "hex" }, s.hex),
        h("code", { class: "base64" }, `base64 ${s.base64}`),
      );
  }
}
