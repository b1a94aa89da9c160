/*
 * topics.ts — #/topics: every topic with its partitions, messages held and stored bytes,
 * and a form to create one.
 */
import { api, enc, get } from "../api";
import { formValues, h, replace, table } from "../dom";
import { loadMetrics, topicBytes } from "../metrics";
import { bytes, count, errorNotice, link, mapLimit, page } from "../ui";

interface TopicOffsets {
  partitions: { partition: number; earliest: number; latest: number }[];
}

export async function renderTopics(main: HTMLElement): Promise<void> {
  const [{ topics }, metrics] = await Promise.all([get<{ topics: string[] }>("/admin/topics"), loadMetrics()]);
  const offsets = await mapLimit(topics, 6, (t) =>
    get<TopicOffsets>(`/admin/topics/${enc(t)}/offsets`).catch(() => undefined),
  );
  const rows = topics.map((t, i) => {
    const parts = offsets[i]?.partitions;
    const held = parts?.reduce((n, p) => n + (p.latest - p.earliest), 0);
    return [
      link(["topics", t], t),
      count(parts?.length),
      count(held),
      count(parts?.reduce((n, p) => n + p.latest, 0)),
      bytes(topicBytes(metrics, t)),
      link(["topics", t, "messages"], "browse"),
    ];
  });
  replace(
    main,
    h("h1", null, "Topics"),
    topics.length === 0
      ? h("p", null, "No topics yet.")
      : table(["Topic", "Partitions", "Messages held", "Produced (high watermarks)", "Stored", ""], rows, {
          id: "topics-table",
        }),
    createForm(),
  );
}

function createForm(): HTMLElement {
  const status = h("div");
  const form = h(
    "form",
    {
      class: "inline",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const v = formValues(form);
        try {
          await api("POST", "/admin/topics", { topic: v.topic, partitions: Number(v.partitions) });
          location.hash = page(["topics", v.topic ?? ""]);
        } catch (err) {
          replace(status, errorNotice(err));
        }
      },
    },
    h("h2", null, "Create a topic"),
    h("label", null, "Name ", h("input", { name: "topic", required: true, pattern: "[a-zA-Z0-9._-]+" })),
    h("label", null, "Partitions ", h("input", { name: "partitions", type: "number", min: 1, value: "1" })),
    h("button", { type: "submit" }, "Create"),
  );
  return h("section", null, form, status);
}
