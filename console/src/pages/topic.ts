/*
 * topic.ts — #/topics/<topic>: the partitions with their offsets and sizes, and the
 * configs, editable: changed values are sent together as one PATCH (Kafka's
 * IncrementalAlterConfigs), "default" sends null for that config.
 */
import { api, enc, get } from "../api";
import { h, replace, table } from "../dom";
import { loadMetrics, partitionBytes } from "../metrics";
import { bytes, count, errorNotice, link, notice, time } from "../ui";

interface TopicDescription {
  topic: string;
  topicId: string;
  partitions: { partition: number; leader: number }[];
  config: Record<string, string>;
  createdAt: number;
}

export async function renderTopic(main: HTMLElement, topic: string): Promise<void> {
  const [described, offsets, metrics] = await Promise.all([
    get<TopicDescription>(`/admin/topics/${enc(topic)}`),
    get<{ partitions: { partition: number; earliest: number; latest: number }[] }>(
      `/admin/topics/${enc(topic)}/offsets`,
    ),
    loadMetrics(),
  ]);
  const rows = offsets.partitions.map((p) => [
    String(p.partition),
    count(p.earliest),
    count(p.latest),
    count(p.latest - p.earliest),
    bytes(partitionBytes(metrics, topic, p.partition)),
    link(["topics", topic, "messages"], "browse", { partition: p.partition }),
  ]);
  replace(
    main,
    h("h1", null, "Topic ", h("code", null, topic)),
    h(
      "p",
      { class: "meta" },
      `id ${described.topicId} · created ${time(described.createdAt)} · `,
      link(["topics", topic, "messages"], "browse messages"),
      " · ",
      link(["produce"], "produce", { topic }),
    ),
    h("h2", null, "Partitions"),
    table(["Partition", "Log start", "High watermark", "Messages", "Stored", ""], rows, { id: "partitions-table" }),
    h("h2", null, "Configs"),
    configsForm(topic, described.config),
  );
}

function configsForm(topic: string, config: Record<string, string>): HTMLElement {
  const status = h("div", { id: "configs-status" });
  const changes = new Map<string, string | null>();
  const rows = Object.keys(config)
    .sort()
    .map((name) => {
      const input = h("input", {
        name,
        value: config[name],
        "data-config": name,
        oninput: () => {
          if (input.value === config[name]) changes.delete(name);
          else changes.set(name, input.value);
          input.classList.toggle("changed", changes.has(name));
        },
      });
      const reset = h(
        "button",
        {
          type: "button",
          class: "link",
          title: "Return this config to its default",
          onclick: () => {
            changes.set(name, null);
            input.value = "(default)";
            input.classList.add("changed");
          },
        },
        "default",
      );
      return [h("code", null, name), input, reset];
    });
  const form = h(
    "form",
    {
      id: "configs-form",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        if (changes.size === 0) return replace(status, notice("Nothing changed."));
        try {
          const described = await api<TopicDescription>("PATCH", `/admin/topics/${enc(topic)}/configs`, {
            configs: Object.fromEntries(changes),
          });
          const names = [...changes.keys()].join(", ");
          const next = h("div");
          replace(next, configsForm(topic, described.config));
          form.parentElement?.replaceWith(next.firstElementChild!);
          document.getElementById("configs-status")?.replaceChildren(notice(`Saved ${names}.`));
        } catch (err) {
          replace(status, errorNotice(err));
        }
      },
    },
    table(["Config", "Value", ""], rows, { class: "configs" }),
    h("button", { type: "submit" }, "Save changes"),
  );
  return h("section", null, form, status);
}
