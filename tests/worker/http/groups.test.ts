/*
 * Consumer groups over REST, inside workerd against real Durable Object SQLite:
 * Kafdo's group protocol (join, heartbeat, commit, leave), the description with
 * lag, committed offsets, the admin endpoints, and every refusal with its status
 * and Kafka error name.
 *
 * Members here behave as an HTTP consumer does: a join is answered when its
 * rebalance completes, which needs every other member to join again; a member
 * learns of a rebalance from its heartbeat (409 REBALANCE_IN_PROGRESS) and then
 * joins again with its member id. Nothing here sleeps: a test waits for an answer,
 * or asks again until the group says what it waits for, a bounded number of times.
 */
import { describe, expect, it } from "vitest";
import { type Answer, call, createTopic, enc, expectError, get, post } from "./helpers";

interface TopicPartition {
  topic: string;
  partition: number;
}

interface JoinResult {
  memberId: string;
  generationId: number;
  leader: string;
  protocol: string;
  assignment: TopicPartition[];
}

let groups = 0;
function groupName(prefix = "g"): string {
  return `${prefix}-${Date.now().toString(36)}-${groups++}`;
}

const at = (group: string, tail = "") => `/consumer-groups/${enc(group)}${tail}`;

function joinRaw(group: string, body: unknown): Promise<Answer> {
  return post(at(group, "/join"), body);
}

async function join(group: string, body: Record<string, unknown>): Promise<JoinResult> {
  const res = await joinRaw(group, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const heartbeat = (group: string, m: JoinResult, generationId = m.generationId) =>
  post(at(group, "/heartbeat"), { memberId: m.memberId, generationId });

const commit = (group: string, m: JoinResult, offsets: unknown[], generationId = m.generationId) =>
  post(at(group, "/commit"), { memberId: m.memberId, generationId, offsets });

const leave = (group: string, m: JoinResult) => post(at(group, "/leave"), { memberId: m.memberId });

async function committed(group: string): Promise<unknown[]> {
  const res = await get(at(group, "/offsets"));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.groupId).toBe(group);
  return res.body.offsets;
}

async function describeGroup(group: string): Promise<any> {
  const res = await get(at(group));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/* Asks `probe` until it answers true, at most `tries` times. */
async function until(what: string, probe: () => Promise<boolean>, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) if (await probe()) return;
  throw new Error(`gave up waiting for ${what}`);
}

/*
 * New members join at once, each as a consumer would: when its join is answered it
 * heartbeats, and joins again (with its id) whenever the heartbeat says the group
 * is rebalancing. Resolves with every member's latest join result once all are in
 * one generation and every heartbeat is accepted.
 */
async function joinTogether(group: string, bodies: Record<string, unknown>[]): Promise<JoinResult[]> {
  const latest: (JoinResult | undefined)[] = bodies.map(() => undefined);
  const inFlight: (Promise<void> | undefined)[] = bodies.map(() => undefined);
  const start = (i: number, body: Record<string, unknown>) => {
    inFlight[i] = join(group, body).then((r) => {
      latest[i] = r;
      inFlight[i] = undefined;
    });
  };
  bodies.forEach((body, i) => start(i, body));
  for (let round = 0; round < 500; round++) {
    const waiting = inFlight.filter((p) => p !== undefined);
    if (waiting.length === bodies.length) {
      await Promise.race(waiting);
      continue;
    }
    let settled = waiting.length === 0 && new Set(latest.map((r) => r?.generationId)).size === 1;
    for (let i = 0; i < bodies.length; i++) {
      const member = latest[i];
      if (!member || inFlight[i]) continue;
      const res = await heartbeat(group, member);
      if (res.status === 204) continue;
      settled = false;
      expectError(res, 409, "REBALANCE_IN_PROGRESS");
      start(i, { ...bodies[i], memberId: member.memberId });
    }
    if (settled) return latest as JoinResult[];
  }
  throw new Error(`the members of ${group} never settled in one generation`);
}

/* The members' assignments split `topic`'s partitions: no partition twice, none left out. */
function expectSplit(members: JoinResult[], topic: string, partitions: number): void {
  const assigned = members.flatMap((m) => m.assignment);
  for (const tp of assigned) expect(tp.topic).toBe(topic);
  expect(assigned.map((tp) => tp.partition).sort((a, b) => a - b)).toEqual([...Array(partitions).keys()]);
  expect(new Set(members.map((m) => m.memberId)).size).toBe(members.length);
  expect(new Set(members.map((m) => m.generationId)).size).toBe(1);
  expect(new Set(members.map((m) => m.leader)).size).toBe(1);
  expect(members.map((m) => m.memberId)).toContain(members[0]!.leader);
}

const byPartition = (a: TopicPartition, b: TopicPartition) =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;

describe("joining a group over REST", () => {
  it("two members joining at once split the topic's partitions, and heartbeat", async () => {
    const topic = await createTopic(5);
    const group = groupName();
    const [a, b] = await joinTogether(group, [
      { topics: [topic], clientId: "alpha" },
      { topics: [topic], clientId: "beta" },
    ]);
    expectSplit([a!, b!], topic, 5);
    expect(a!.generationId).toBeGreaterThan(0);
    expect(a!.protocol).toBe("range");
    /* range gives the first member by id the extra partition: 3 and 2 */
    expect([a!.assignment.length, b!.assignment.length].sort()).toEqual([2, 3]);
    expect((await heartbeat(group, a!)).status).toBe(204);
    expect((await heartbeat(group, b!)).status).toBe(204);

    const d = await describeGroup(group);
    expect(d.state).toBe("Stable");
    expect(d.generationId).toBe(a!.generationId);
    expect(d.members.map((m: any) => m.memberId).sort()).toEqual([a!.memberId, b!.memberId].sort());
    for (const m of [a!, b!]) {
      const shown = d.members.find((x: any) => x.memberId === m.memberId);
      expect(shown.assignment.slice().sort(byPartition)).toEqual(m.assignment.slice().sort(byPartition));
      expect(shown.subscription).toEqual([topic]);
      expect(shown.kind).toBe("http");
      expect(shown.sessionTimeoutMs).toBe(30000);
      expect(shown.rebalanceTimeoutMs).toBe(60000);
    }
    expect(d.members.map((m: any) => m.clientId).sort()).toEqual(["alpha", "beta"]);
  });

  it("a lone member gets every partition; defaults apply; its id starts with its client id", async () => {
    const topic = await createTopic(3);
    const group = groupName();
    const m = await join(group, { topics: [topic] });
    expect(m.memberId.startsWith("kafdo-consumer-")).toBe(true);
    expect(m.leader).toBe(m.memberId);
    expect(m.protocol).toBe("range");
    expectSplit([m], topic, 3);
  });

  it("a third member causes a rebalance: the others are told, join again, and the new generation splits three ways", async () => {
    const topic = await createTopic(6);
    const group = groupName();
    const body = { topics: [topic], strategy: "roundrobin" };
    const [a, b] = await joinTogether(group, [body, body]);
    expectSplit([a!, b!], topic, 6);
    expect(a!.protocol).toBe("roundrobin");

    const third = join(group, { ...body, clientId: "third" });
    await until(
      "the group to start rebalancing",
      async () => (await describeGroup(group)).state === "PreparingRebalance",
    );
    expectError(await heartbeat(group, a!), 409, "REBALANCE_IN_PROGRESS");
    expectError(await heartbeat(group, b!), 409, "REBALANCE_IN_PROGRESS");

    const [a2, b2, c] = await Promise.all([
      join(group, { ...body, memberId: a!.memberId }),
      join(group, { ...body, memberId: b!.memberId }),
      third,
    ]);
    expect(a2.memberId).toBe(a!.memberId);
    expect(b2.memberId).toBe(b!.memberId);
    expect(a2.generationId).toBe(a!.generationId + 1);
    expectSplit([a2, b2, c], topic, 6);
    for (const m of [a2, b2, c]) expect(m.assignment).toHaveLength(2);

    for (const m of [a2, b2, c]) expect((await heartbeat(group, m)).status).toBe(204);
    expectError(await heartbeat(group, a!), 409, "ILLEGAL_GENERATION");
    expect((await describeGroup(group)).state).toBe("Stable");
  });

  it("a member that leaves is gone; the one left rebalances to every partition", async () => {
    const topic = await createTopic(4);
    const group = groupName();
    const [a, b] = await joinTogether(group, [{ topics: [topic] }, { topics: [topic] }]);
    expect((await leave(group, b!)).status).toBe(204);
    expectError(await heartbeat(group, b!), 409, "UNKNOWN_MEMBER_ID");
    expectError(await leave(group, b!), 409, "UNKNOWN_MEMBER_ID");
    expectError(await heartbeat(group, a!), 409, "REBALANCE_IN_PROGRESS");
    const again = await join(group, { topics: [topic], memberId: a!.memberId });
    expect(again.generationId).toBe(a!.generationId + 1);
    expectSplit([again], topic, 4);
    expect((await describeGroup(group)).members).toHaveLength(1);
    expect((await leave(group, again)).status).toBe(204);
    const d = await describeGroup(group);
    expect(d.state).toBe("Empty");
    expect(d.members).toEqual([]);
  });

  it("a member joining with another strategy than the group's is 409 INCONSISTENT_GROUP_PROTOCOL", async () => {
    const topic = await createTopic(2);
    const group = groupName();
    await join(group, { topics: [topic], strategy: "range" });
    expectError(await joinRaw(group, { topics: [topic], strategy: "sticky" }), 409, "INCONSISTENT_GROUP_PROTOCOL");
    expect((await describeGroup(group)).members).toHaveLength(1);
  });
});

describe("committing offsets over REST", () => {
  it("stores offsets with metadata; a stale generation is 409 ILLEGAL_GENERATION and changes nothing", async () => {
    const topic = await createTopic(2);
    const group = groupName();
    const [a, b] = await joinTogether(group, [{ topics: [topic] }, { topics: [topic] }]);
    expect(await committed(group)).toEqual([]);

    const ok = await commit(group, a!, [
      { topic, partition: 0, offset: 3, metadata: "from a" },
      { topic, partition: 1, offset: 7 },
    ]);
    expect(ok.status, JSON.stringify(ok.body)).toBe(204);
    expect(ok.body).toBe("");
    const stored = (await committed(group)) as any[];
    expect(stored.map(({ commitTimestamp, ...o }) => o).sort(byPartition)).toEqual([
      { topic, partition: 0, offset: 3, metadata: "from a" },
      { topic, partition: 1, offset: 7, metadata: "" },
    ]);
    for (const o of stored) expect(o.commitTimestamp).toBeGreaterThan(0);

    expectError(
      await commit(group, a!, [{ topic, partition: 0, offset: 99 }], a!.generationId - 1),
      409,
      "ILLEGAL_GENERATION",
    );
    expectError(
      await commit(group, a!, [{ topic, partition: 0, offset: 99 }], a!.generationId + 1),
      409,
      "ILLEGAL_GENERATION",
    );
    expectError(
      await commit(group, { ...b!, memberId: "nobody" }, [{ topic, partition: 0, offset: 99 }]),
      409,
      "UNKNOWN_MEMBER_ID",
    );
    expect(await committed(group)).toEqual(stored);

    /* a member of an ended generation, after the group moved on */
    const third = join(group, { topics: [topic] });
    await until(
      "the group to start rebalancing",
      async () => (await describeGroup(group)).state === "PreparingRebalance",
    );
    const [a2, b2] = await Promise.all([
      join(group, { topics: [topic], memberId: a!.memberId }),
      join(group, { topics: [topic], memberId: b!.memberId }),
    ]);
    await third;
    expectError(await commit(group, b!, [{ topic, partition: 1, offset: 50 }]), 409, "ILLEGAL_GENERATION");
    expect(await committed(group)).toEqual(stored);
    expect((await commit(group, b2, [{ topic, partition: 1, offset: 8 }])).status).toBe(204);
    const after = (await committed(group)) as any[];
    expect(after.find((o) => o.partition === 1).offset).toBe(8);
    expect(after.find((o) => o.partition === 0)).toEqual(stored.find((o) => o.partition === 0));
    expect(a2.generationId).toBe(b2.generationId);
  });

  it("commits every partition of a many-partition topic in one request, and a member subscribes to many topics", async () => {
    const topic = await createTopic(24, undefined, `${groupName("a-topic-with-a-long-name")}-${"t".repeat(40)}`);
    const others = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => createTopic(1)));
    const group = groupName();
    const m = await join(group, { topics: [topic, ...others], clientId: "many" });
    expect(m.assignment).toHaveLength(24 + others.length);
    const offsets = [...Array(24).keys()].map((partition) => ({
      topic,
      partition,
      offset: partition + 1,
      metadata: `p${partition}`,
    }));
    const res = await commit(group, m, offsets);
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    const stored = (await committed(group)) as any[];
    expect(stored.map(({ commitTimestamp, ...o }) => o).sort(byPartition)).toEqual(offsets);
  });

  it("committed offsets of a group nobody committed to are an empty list", async () => {
    expect(await committed(groupName("never"))).toEqual([]);
  });
});

describe("describing a group over REST", () => {
  it("shows state, members, assignment, committed offsets and lag per partition", async () => {
    const topic = await createTopic(3);
    const t = enc(topic);
    /* partition 0: 5 records, 1: 2 records, 2: none */
    await post(`/topics/${t}/produce-batch`, {
      messages: [0, 0, 0, 0, 0, 1, 1].map((partition, i) => ({ value: i, partition })),
    });
    const group = groupName();
    const m = await join(group, { topics: [topic], clientId: "lagging" });
    expect((await commit(group, m, [{ topic, partition: 0, offset: 2, metadata: "m" }])).status).toBe(204);

    const d = await describeGroup(group);
    expect(d.groupId).toBe(group);
    expect(d.state).toBe("Stable");
    expect(d.generationId).toBe(m.generationId);
    expect(d.protocol).toBe("range");
    expect(d.leader).toBe(m.memberId);
    expect(d.members).toHaveLength(1);
    expect(d.members[0].memberId).toBe(m.memberId);
    expect(d.members[0].clientId).toBe("lagging");
    expect(d.members[0].assignment.slice().sort(byPartition)).toEqual(
      [0, 1, 2].map((partition) => ({ topic, partition })),
    );
    expect(d.members[0].lastHeartbeat).toBeGreaterThan(0);
    expect(d.offsets.map(({ commitTimestamp, ...o }: any) => o)).toEqual([
      { topic, partition: 0, offset: 2, metadata: "m", latest: 5, lag: 3 },
      { topic, partition: 1, offset: -1, metadata: "", latest: 2, lag: 2 },
      { topic, partition: 2, offset: -1, metadata: "", latest: 0, lag: 0 },
    ]);
    expect(d.offsets[0].commitTimestamp).toBeGreaterThan(0);
    expect(d.offsets[1].commitTimestamp).toBe(-1);

    /* more records raise the lag; a commit lowers it */
    await post(`/topics/${t}/produce`, { value: "late", partition: 0 });
    expect((await commit(group, m, [{ topic, partition: 1, offset: 2 }])).status).toBe(204);
    const again = await describeGroup(group);
    expect(again.offsets.map((o: any) => [o.partition, o.offset, o.latest, o.lag])).toEqual([
      [0, 2, 6, 4],
      [1, 2, 2, 0],
      [2, -1, 0, 0],
    ]);

    /* the admin endpoint answers the same description */
    const admin = await get(`/admin/groups/${enc(group)}`);
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual(again);
  });

  it("a deleted topic's committed offsets are forgotten, as Kafka's coordinator forgets them", async () => {
    const topic = await createTopic(1);
    const group = groupName();
    const m = await join(group, { topics: [topic] });
    expect((await commit(group, m, [{ topic, partition: 0, offset: 0 }])).status).toBe(204);
    expect((await leave(group, m)).status).toBe(204);
    expect((await call("DELETE", `/admin/topics/${enc(topic)}`)).status).toBe(204);
    const d = await describeGroup(group);
    expect(d.state).toBe("Empty");
    expect(d.offsets).toEqual([]);
  });

  it("a group that never existed is 404 GROUP_ID_NOT_FOUND", async () => {
    const group = groupName("nobody");
    expectError(await get(at(group)), 404, "GROUP_ID_NOT_FOUND", group);
    expectError(await get(`/admin/groups/${enc(group)}`), 404, "GROUP_ID_NOT_FOUND", group);
  });
});

describe("administering groups over REST", () => {
  it("lists groups with their state, describes them, and deletes an empty one", async () => {
    const topic = await createTopic(2);
    const active = groupName("active");
    const idle = groupName("idle");
    const m = await join(active, { topics: [topic] });
    const n = await join(idle, { topics: [topic] });
    expect((await commit(idle, n, [{ topic, partition: 1, offset: 1 }])).status).toBe(204);
    expect((await leave(idle, n)).status).toBe(204);

    const list = await get("/admin/groups");
    expect(list.status).toBe(200);
    const mine = list.body.groups.filter((g: any) => g.groupId === active || g.groupId === idle);
    expect(mine).toEqual([
      { groupId: active, state: "Stable" },
      { groupId: idle, state: "Empty" },
    ]);
    const ids = list.body.groups.map((g: any) => g.groupId);
    expect(ids).toEqual(ids.slice().sort());

    const idleDescribed = await get(`/admin/groups/${enc(idle)}`);
    expect(idleDescribed.status).toBe(200);
    expect(idleDescribed.body.members).toEqual([]);
    expect(idleDescribed.body.offsets.map((o: any) => [o.partition, o.offset])).toEqual([[1, 1]]);

    const deleted = await call("DELETE", `/admin/groups/${enc(idle)}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe("");
    expectError(await get(`/admin/groups/${enc(idle)}`), 404, "GROUP_ID_NOT_FOUND");
    expect(await committed(idle)).toEqual([]);
    const listed = (await get("/admin/groups")).body.groups.map((g: any) => g.groupId);
    expect(listed).toContain(active);
    expect(listed).not.toContain(idle);
    expectError(await call("DELETE", `/admin/groups/${enc(idle)}`), 404, "GROUP_ID_NOT_FOUND");

    /* the group id is free again: a new member starts it from nothing */
    const fresh = await join(idle, { topics: [topic] });
    expect(fresh.generationId).toBeGreaterThan(0);
    expect(await committed(idle)).toEqual([]);
    expect((await leave(idle, fresh)).status).toBe(204);
    expect((await leave(active, m)).status).toBe(204);
  });

  it("refuses to delete a group with live members (409 NON_EMPTY_GROUP) and deletes nothing", async () => {
    const topic = await createTopic(2);
    const group = groupName("busy");
    const m = await join(group, { topics: [topic] });
    expect((await commit(group, m, [{ topic, partition: 0, offset: 4 }])).status).toBe(204);
    const before = await describeGroup(group);

    expectError(await call("DELETE", `/admin/groups/${enc(group)}`), 409, "NON_EMPTY_GROUP");

    const after = await describeGroup(group);
    expect(after).toEqual(before);
    expect((await committed(group)).map((o: any) => o.offset)).toEqual([4]);
    expect((await heartbeat(group, m)).status).toBe(204);
    expect((await get("/admin/groups")).body.groups.map((g: any) => g.groupId)).toContain(group);
  });

  it("deleting a group that never existed is 404 GROUP_ID_NOT_FOUND", async () => {
    expectError(await call("DELETE", `/admin/groups/${enc(groupName("ghost"))}`), 404, "GROUP_ID_NOT_FOUND");
  });
});

describe("consumer groups: bad input", () => {
  const g = "bad-input-group";
  /* 256 bytes of UTF-8 in 129 characters; one character less is 254 bytes */
  const longId = "é".repeat(127) + "xx";

  it("a malformed or wrongly shaped body is 400 INVALID_REQUEST, naming the field", async () => {
    const topic = await createTopic(1);
    const cases: [string, unknown, string][] = [
      ["/join", {}, "body.topics"],
      ["/join", { topics: [] }, "body.topics"],
      ["/join", { topics: "t" }, "body.topics"],
      ["/join", { topics: [topic, 1] }, "body.topics[1]"],
      ["/join", { topics: [topic], memberId: 5 }, "body.memberId"],
      ["/join", { topics: [topic], clientId: null }, "body.clientId"],
      ["/join", { topics: [topic], sessionTimeoutMs: "30000" }, "body.sessionTimeoutMs"],
      ["/join", { topics: [topic], rebalanceTimeoutMs: 1.5 }, "body.rebalanceTimeoutMs"],
      ["/join", { topics: [topic], sessionTimeoutMs: 2 ** 31 }, "body.sessionTimeoutMs"],
      ["/join", { topics: [topic], strategy: "cooperative-sticky" }, "body.strategy"],
      ["/join", { topics: [topic], extra: 1 }, "extra"],
      ["/join", [topic], "body"],
      ["/heartbeat", {}, "body.memberId"],
      ["/heartbeat", { generationId: 1 }, "body.memberId"],
      ["/heartbeat", { memberId: "m" }, "body.generationId"],
      ["/heartbeat", { memberId: "m", generationId: "1" }, "body.generationId"],
      ["/commit", { generationId: 1, offsets: [] }, "body.memberId"],
      ["/commit", { memberId: "m", offsets: [] }, "body.generationId"],
      ["/commit", { memberId: "m", generationId: 1 }, "body.offsets"],
      ["/commit", { memberId: "m", generationId: 1, offsets: [{ topic, partition: 0 }] }, "body.offsets[0].offset"],
      [
        "/commit",
        { memberId: "m", generationId: 1, offsets: [{ topic, partition: -1, offset: 0 }] },
        "body.offsets[0].partition",
      ],
      [
        "/commit",
        { memberId: "m", generationId: 1, offsets: [{ topic, partition: 0, offset: -1 }] },
        "body.offsets[0].offset",
      ],
      ["/commit", { memberId: "m", generationId: 1, offsets: [{ partition: 0, offset: 0 }] }, "body.offsets[0].topic"],
      [
        "/commit",
        { memberId: "m", generationId: 1, offsets: [{ topic, partition: 0, offset: 0, metadata: 1 }] },
        "body.offsets[0].metadata",
      ],
      ["/commit", { memberId: "m", generationId: 1, offsets: [{ topic, partition: 0, offset: 0, x: 1 }] }, "x"],
      ["/leave", {}, "body.memberId"],
      ["/leave", { memberId: ["m"] }, "body.memberId"],
    ];
    for (const [tail, body, field] of cases) {
      expectError(await post(at(g, tail), body), 400, "INVALID_REQUEST", field);
    }
    for (const tail of ["/join", "/heartbeat", "/commit", "/leave"]) {
      expectError(
        await call("POST", at(g, tail), { raw: "{not json", headers: { "content-type": "application/json" } }),
        400,
        "INVALID_REQUEST",
        "not valid JSON",
      );
      expectError(
        await call("POST", at(g, tail), { raw: "", headers: { "content-type": "application/json" } }),
        400,
        "INVALID_REQUEST",
        "empty",
      );
      expectError(
        await call("POST", at(g, tail), { raw: "{}", headers: { "content-type": "text/plain" } }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
      expectError(await post(at(g, `${tail}?x=1`), {}), 400, "INVALID_REQUEST", "unknown query parameter");
    }
    for (const path of [at(g), at(g, "/offsets"), "/admin/groups", `/admin/groups/${g}`]) {
      expectError(await get(`${path}?limit=1`), 400, "INVALID_REQUEST", "unknown query parameter");
    }
    /* none of it made a group */
    expectError(await get(at(g)), 404, "GROUP_ID_NOT_FOUND");
  });

  it("a group id over 255 bytes is 400 INVALID_GROUP_ID on every endpoint; 255 bytes is fine", async () => {
    const topic = await createTopic(1);
    const bad = enc(longId);
    const cases: [string, string, unknown][] = [
      ["POST", `/consumer-groups/${bad}/join`, { topics: [topic] }],
      ["POST", `/consumer-groups/${bad}/heartbeat`, { memberId: "m", generationId: 1 }],
      ["POST", `/consumer-groups/${bad}/commit`, { memberId: "m", generationId: 1, offsets: [] }],
      ["POST", `/consumer-groups/${bad}/leave`, { memberId: "m" }],
      ["GET", `/consumer-groups/${bad}`, undefined],
      ["GET", `/consumer-groups/${bad}/offsets`, undefined],
      ["GET", `/admin/groups/${bad}`, undefined],
      ["DELETE", `/admin/groups/${bad}`, undefined],
    ];
    for (const [method, path, json] of cases) {
      expectError(await call(method, path, json === undefined ? {} : { json }), 400, "INVALID_GROUP_ID", "255");
    }
    const longest = longId.slice(0, -1);
    expect(new TextEncoder().encode(longest).length).toBe(255);
    const m = await join(longest, { topics: [topic] });
    expect((await describeGroup(longest)).groupId).toBe(longest);
    expect((await leave(longest, m)).status).toBe(204);
  });

  it("an empty group id is no route (404 NOT_FOUND)", async () => {
    expectError(await post("/consumer-groups//join", { topics: ["t"] }), 404, "NOT_FOUND");
    expectError(await get("/admin/groups/"), 404, "NOT_FOUND");
  });

  it("group ids are taken as they are, once percent-decoded", async () => {
    const topic = await createTopic(1);
    const group = `${groupName()} with/slash?and&more`;
    const m = await join(group, { topics: [topic] });
    const d = await describeGroup(group);
    expect(d.groupId).toBe(group);
    expect((await leave(group, m)).status).toBe(204);
  });

  it("timeouts outside Kafka's bounds are 400 INVALID_SESSION_TIMEOUT", async () => {
    const topic = await createTopic(1);
    for (const body of [
      { topics: [topic], sessionTimeoutMs: 0 },
      { topics: [topic], sessionTimeoutMs: -1 },
      { topics: [topic], sessionTimeoutMs: 2147483647 },
      { topics: [topic], rebalanceTimeoutMs: -1 } /* 0 is taken, as Kafka takes it */,
    ]) {
      expectError(await joinRaw(groupName(), body), 400, "INVALID_SESSION_TIMEOUT");
    }
  });

  it("a heartbeat, commit or leave from a member the group does not have is 409 UNKNOWN_MEMBER_ID", async () => {
    const topic = await createTopic(1);
    const group = groupName();
    const m = await join(group, { topics: [topic] });
    const stranger = { ...m, memberId: `${m.memberId}-not` };
    expectError(await heartbeat(group, stranger), 409, "UNKNOWN_MEMBER_ID");
    expectError(await commit(group, stranger, [{ topic, partition: 0, offset: 1 }]), 409, "UNKNOWN_MEMBER_ID");
    expectError(await leave(group, stranger), 409, "UNKNOWN_MEMBER_ID");
    expectError(await joinRaw(group, { topics: [topic], memberId: stranger.memberId }), 409, "UNKNOWN_MEMBER_ID");
    expect(await committed(group)).toEqual([]);
    expect((await describeGroup(group)).members.map((x: any) => x.memberId)).toEqual([m.memberId]);
  });

  it("a member id, client id, topic or commit metadata over 65535 bytes is 400 INVALID_REQUEST, naming the limit", async () => {
    const topic = await createTopic(1);
    const group = groupName();
    const huge = "x".repeat(70000);
    for (const body of [
      { topics: [topic], clientId: huge },
      { topics: [topic], memberId: huge },
    ]) {
      expectError(await joinRaw(group, body), 400, "INVALID_REQUEST", "65535");
    }
    const m = await join(group, { topics: [topic] });
    for (const offset of [
      { topic, partition: 0, offset: 1, metadata: huge },
      { topic: huge, partition: 0, offset: 1 },
    ]) {
      expectError(await commit(group, m, [offset]), 400, "INVALID_REQUEST", "65535");
    }
    expect(await committed(group)).toEqual([]);
    expect((await describeGroup(group)).members.map((x: any) => x.memberId)).toEqual([m.memberId]);
  });

  it("commit metadata over the limit is 400 OFFSET_METADATA_TOO_LARGE and stores nothing", async () => {
    const topic = await createTopic(2);
    const group = groupName();
    const m = await join(group, { topics: [topic] });
    const res = await commit(group, m, [
      { topic, partition: 0, offset: 1 },
      { topic, partition: 1, offset: 1, metadata: "x".repeat(5000) },
    ]);
    expectError(res, 400, "OFFSET_METADATA_TOO_LARGE");
    expect(await committed(group)).toEqual([]);
  });
});
