/*
 * groups.ts — #/groups: every consumer group, its state, members and total lag.
 */
import { enc, get } from "../api";
import { h, replace, table } from "../dom";
import { count, link, mapLimit } from "../ui";
import type { GroupInfo } from "./group";

export async function renderGroups(main: HTMLElement): Promise<void> {
  const { groups } = await get<{ groups: { groupId: string; state: string }[] }>("/admin/groups");
  const described = await mapLimit(groups, 6, (g) =>
    get<GroupInfo>(`/admin/groups/${enc(g.groupId)}`).catch(() => undefined),
  );
  const rows = groups.map((g, i) => {
    const d = described[i];
    const lag = d?.offsets.reduce((n, o) => n + Math.max(o.lag, 0), 0);
    return [link(["groups", g.groupId], g.groupId), g.state, count(d?.members.length), count(lag)];
  });
  replace(
    main,
    h("h1", null, "Consumer groups"),
    groups.length === 0
      ? h("p", null, "No consumer groups yet.")
      : table(["Group", "State", "Members", "Total lag"], rows, { id: "groups-table" }),
  );
}
