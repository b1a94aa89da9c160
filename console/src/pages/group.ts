/*
 * group.ts — #/groups/<group>: state, members and their assignments, committed offsets
 * and lag per partition, and resetting the offsets of one topic (Kafka's
 * kafka-consumer-groups --reset-offsets) through POST /admin/groups/:groupId/offsets/reset.
 * As in Kafka a reset is only for an empty group: the form says so, and the Worker
 * answers 409 otherwise. "Preview" sends dryRun and shows the offsets it would set.
 */
import { api, enc, get } from "../api";
import { formValues, h, replace, table } from "../dom";
import { count, errorNotice, link, notice, time } from "../ui";

export interface GroupInfo {
  groupId: string;
  state: string;
  generationId: number;
  protocol: string;
  leader: string;
  members: {
    memberId: string;
    clientId: string;
    kind: string;
    lastHeartbeat: number;
    subscription: string[];
    assignment: { topic: string; partition: number }[];
  }[];
  offsets: { topic: string; partition: number; offset: number; latest: number; lag: number; commitTimestamp: number }[];
}

interface ResetAnswer {
  groupId: string;
  dryRun: boolean;
  offsets: { topic: string; partition: number; offset: number }[];
}

export async function renderGroup(main: HTMLElement, groupId: string): Promise<void> {
  const g = await get<GroupInfo>(`/admin/groups/${enc(groupId)}`);
  const totalLag = g.offsets.reduce((n, o) => n + Math.max(o.lag, 0), 0);
  const members = g.members.map((m) => [
    h("code", null, m.memberId),
    m.clientId,
    m.kind,
    time(m.lastHeartbeat),
    m.assignment.map((a) => `${a.topic}/${a.partition}`).join(", ") || "—",
  ]);
  const offsets = g.offsets.map((o) => [
    link(["topics", o.topic], o.topic),
    String(o.partition),
    o.offset < 0 ? "none" : count(o.offset),
    count(o.latest),
    h("span", { class: o.lag > 0 ? "lag" : "" }, count(o.lag)),
    time(o.commitTimestamp),
  ]);
  replace(
    main,
    h("h1", null, "Group ", h("code", null, g.groupId)),
    h(
      "p",
      { class: "meta" },
      "State ",
      h("strong", { id: "group-state" }, g.state),
      ` · generation ${g.generationId} · protocol ${g.protocol || "—"} · total lag `,
      h("strong", { id: "group-lag" }, count(totalLag)),
    ),
    h("h2", null, "Members"),
    members.length
      ? table(["Member", "Client", "Kind", "Last heartbeat", "Assignment"], members, { id: "members-table" })
      : h("p", null, "No members: the group is empty."),
    h("h2", null, "Offsets and lag"),
    offsets.length
      ? table(["Topic", "Partition", "Committed", "High watermark", "Lag", "Committed at"], offsets, {
          id: "lag-table",
        })
      : h("p", null, "No committed offsets."),
    resetForm(main, g),
  );
}

/* The `to` of a reset, from the form's kind and value. */
function resetTarget(kind: string, value: string): unknown {
  switch (kind) {
    case "earliest":
    case "latest":
      return kind;
    case "timestamp": {
      const ms = /^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value);
      if (!Number.isFinite(ms)) throw new Error(`"${value}" is not a time: give ms since the epoch or an ISO date`);
      return { timestamp: ms };
    }
    case "offset":
    case "shiftBy":
      if (!/^-?\d+$/.test(value.trim())) throw new Error(`"${value}" is not an integer`);
      return { [kind]: Number(value) };
    default:
      throw new Error(`unknown reset kind ${kind}`);
  }
}

function resetForm(main: HTMLElement, g: GroupInfo): HTMLElement {
  const topics = [...new Set(g.offsets.map((o) => o.topic))];
  const status = h("div", { id: "reset-status" });
  const empty = g.state === "Empty";
  const submit = async (dryRun: boolean) => {
    const v = formValues(form);
    try {
      const partitions = (v.partitions ?? "").trim();
      const body = {
        topic: v.topic,
        ...(partitions ? { partitions: partitions.split(",").map((p) => Number(p.trim())) } : {}),
        to: resetTarget(v.to ?? "", v.value ?? ""),
        dryRun,
      };
      const answer = await api<ResetAnswer>("POST", `/admin/groups/${enc(g.groupId)}/offsets/reset`, body);
      const rows = answer.offsets.map((o) => [o.topic, String(o.partition), count(o.offset)]);
      /* After a reset the page is drawn again, showing the new offsets and lag. */
      if (!dryRun) await renderGroup(main, g.groupId);
      replace(
        main.querySelector("#reset-status") ?? status,
        notice(
          dryRun ? "Preview: the reset would set these offsets; nothing was changed." : "Reset done. The offsets set:",
        ),
        table(["Topic", "Partition", "Offset"], rows, { id: dryRun ? "reset-preview" : "reset-result" }),
      );
    } catch (e) {
      replace(status, errorNotice(e));
    }
  };
  const form = h(
    "form",
    {
      id: "reset-form",
      class: "inline",
      onsubmit: (e: Event) => {
        e.preventDefault();
        void submit(false);
      },
    },
    h(
      "label",
      null,
      "Topic ",
      h(
        "select",
        { name: "topic" },
        topics.map((t) => h("option", { value: t }, t)),
      ),
    ),
    h("label", null, "Partitions ", h("input", { name: "partitions", placeholder: "all, or 0,2", size: 8 })),
    h(
      "label",
      null,
      "To ",
      h(
        "select",
        { name: "to" },
        h("option", { value: "earliest" }, "earliest"),
        h("option", { value: "latest" }, "latest"),
        h("option", { value: "timestamp" }, "a time"),
        h("option", { value: "offset" }, "an offset"),
        h("option", { value: "shiftBy" }, "shift by"),
      ),
    ),
    h("input", { name: "value", placeholder: "time, offset or shift", size: 24 }),
    h(
      "button",
      { type: "button", id: "reset-preview-button", disabled: !empty, onclick: () => void submit(true) },
      "Preview",
    ),
    h("button", { type: "submit", id: "reset-button", disabled: !empty }, "Reset offsets"),
  );
  return h(
    "section",
    null,
    h("h2", null, "Reset offsets"),
    empty
      ? h("p", null, "The group is empty, so its committed offsets can be moved.")
      : h(
          "p",
          { class: "notice" },
          `Only an empty group's offsets can be reset; this group is ${g.state}. Stop its consumers first.`,
        ),
    topics.length ? form : h("p", null, "The group has no offsets to reset."),
    status,
  );
}
