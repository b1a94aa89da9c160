/*
 * produce.ts — #/produce: one test message, with a key, headers and a partition if
 * wanted. The value is sent as JSON when it parses as JSON, else as its UTF-8 text
 * (through ?encoding=base64, so the stored bytes are exactly the text typed).
 */
import { api, enc, get } from "../api";
import { toBase64 } from "../bytes";
import { formValues, h, replace } from "../dom";
import { errorNotice, link, notice } from "../ui";

const b64 = (text: string) => toBase64(new TextEncoder().encode(text));

/* "name: value" lines into a headers object. */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`header line "${line}" is not "name: value"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

export async function renderProduce(main: HTMLElement, query: URLSearchParams): Promise<void> {
  const { topics } = await get<{ topics: string[] }>("/admin/topics");
  const status = h("div", { id: "produce-status" });
  const form = h(
    "form",
    {
      id: "produce-form",
      class: "stacked",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const v = formValues(form);
        try {
          const topic = (v.topic ?? "").trim();
          const raw = v.value ?? "";
          let isJson = v.asText !== "on";
          if (isJson) {
            try {
              JSON.parse(raw);
            } catch {
              isJson = false;
            }
          }
          const headers = parseHeaders(v.headers ?? "");
          const message: Record<string, unknown> = isJson
            ? { value: JSON.parse(raw), headers }
            : { value: b64(raw), headers: Object.fromEntries(Object.entries(headers).map(([k, x]) => [k, b64(x)])) };
          if (v.key) message.key = isJson ? v.key : b64(v.key);
          if (v.partition) message.partition = Number(v.partition);
          const path = `/topics/${enc(topic)}/produce${isJson ? "" : "?encoding=base64"}`;
          const meta = await api<{ partition: number; offset: number }>("POST", path, message);
          replace(
            status,
            notice(
              `Stored at partition ${meta.partition}, offset ${meta.offset} (${isJson ? "JSON" : "text"} value). `,
            ),
            link(["topics", topic, "messages"], "See it", { partition: meta.partition, offset: meta.offset }),
          );
        } catch (err) {
          replace(status, errorNotice(err));
        }
      },
    },
    h(
      "label",
      null,
      "Topic",
      h("input", { name: "topic", list: "topic-names", required: true, value: query.get("topic") ?? "" }),
      h(
        "datalist",
        { id: "topic-names" },
        topics.map((t) => h("option", { value: t })),
      ),
    ),
    h("label", null, "Partition (empty: by key, or any)", h("input", { name: "partition", type: "number", min: 0 })),
    h("label", null, "Key", h("input", { name: "key" })),
    h("label", null, "Value", h("textarea", { name: "value", rows: 6, placeholder: '{"hello": "world"}' })),
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "asText" }),
      " Send the value as text even if it is JSON",
    ),
    h("label", null, "Headers, one per line as name: value", h("textarea", { name: "headers", rows: 3 })),
    h("button", { type: "submit" }, "Produce"),
  );
  replace(main, h("h1", null, "Produce a test message"), form, status);
}
