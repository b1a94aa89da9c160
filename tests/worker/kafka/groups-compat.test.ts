/*
 * Kafka's group rules where clients trip over them, as raw frames through the
 * Worker's /kafka WebSocket (what `kafdo gateway` relays): kafkajs 2.2.4's own
 * protocol modules encode the requests and decode the answers where it has the
 * version; ListGroups v4 (flexible), DescribeGroups v4 and OffsetFetch with a
 * null topic list are written and read here by hand.
 *
 *   - JoinGroup with rebalance_timeout_ms 0 is taken, as Kafka takes it
 *   - OffsetCommit to a topic or partition that does not exist: that partition is
 *     UNKNOWN_TOPIC_OR_PARTITION, the others are stored (librdkafka's test 0030)
 *   - JoinGroup v4+ without a member id: MEMBER_ID_REQUIRED with the id to join
 *     with (KIP-394); nothing is left of a join that is not repeated
 *   - static membership (KIP-345): a restart with the same group.instance.id keeps
 *     the assignment without a rebalance, the old member id is FENCED_INSTANCE_ID,
 *     LeaveGroup v3 by instance id, DescribeGroups v4 names the instance
 *   - OffsetFetch with topics null lists every committed offset
 *   - a topic deleted or grown rebalances the groups subscribed to it; a deleted topic's
 *     committed offsets are forgotten by every group
 *   - ListGroups v3 and v4 (states filter)
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin } from "../../../worker/api/admin";
import { KafkaCode } from "../../../worker/common/errors";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import kafkajsRequest from "kafkajs/src/protocol/request";
// @ts-expect-error untyped
import joinGroupV1 from "kafkajs/src/protocol/requests/joinGroup/v1/request";
// @ts-expect-error untyped
import joinGroupV1Response from "kafkajs/src/protocol/requests/joinGroup/v1/response";
// @ts-expect-error untyped
import joinGroupV5 from "kafkajs/src/protocol/requests/joinGroup/v5/request";
// @ts-expect-error untyped
import joinGroupV5Response from "kafkajs/src/protocol/requests/joinGroup/v5/response";
// @ts-expect-error untyped
import syncGroupV3 from "kafkajs/src/protocol/requests/syncGroup/v3/request";
// @ts-expect-error untyped
import syncGroupV3Response from "kafkajs/src/protocol/requests/syncGroup/v3/response";
// @ts-expect-error untyped
import heartbeatV3 from "kafkajs/src/protocol/requests/heartbeat/v3/request";
// @ts-expect-error untyped
import heartbeatV3Response from "kafkajs/src/protocol/requests/heartbeat/v3/response";
// @ts-expect-error untyped
import leaveGroupV3 from "kafkajs/src/protocol/requests/leaveGroup/v3/request";
// @ts-expect-error untyped
import leaveGroupV3Response from "kafkajs/src/protocol/requests/leaveGroup/v3/response";
// @ts-expect-error untyped
import offsetCommitV2 from "kafkajs/src/protocol/requests/offsetCommit/v2/request";
// @ts-expect-error untyped
import offsetCommitV2Response from "kafkajs/src/protocol/requests/offsetCommit/v2/response";
// @ts-expect-error untyped
import offsetFetchV3 from "kafkajs/src/protocol/requests/offsetFetch/v3/request";
// @ts-expect-error untyped
import offsetFetchV3Response from "kafkajs/src/protocol/requests/offsetFetch/v3/response";
// @ts-expect-error untyped
import { MemberMetadata, MemberAssignment } from "kafkajs/src/consumer/assignerProtocol";

let n = 0;
const fresh = (p: string) => `${p}-${Date.now().toString(36)}-${n++}`;
let correlation = 1;

interface Sent {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  encode(): Promise<{ buffer: Uint8Array }>;
}

/* One connection: requests answered in order, as Kafka's are. */
class Conn {
  private readonly ws: WebSocket;
  private readonly waiting: ((frame: Uint8Array) => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (e) => this.waiting.shift()?.(new Uint8Array(e.data as ArrayBuffer)));
  }

  static async open(): Promise<Conn> {
    const res = await exports.default.fetch(
      new Request("http://kafdo.test/kafka?advertise=127.0.0.1:9092", { headers: { upgrade: "websocket" } }),
    );
    const ws = res.webSocket!;
    ws.accept();
    return new Conn(ws);
  }

  /* Sends a frame; resolves to the response body (after the correlation id). */
  raw(frame: Uint8Array, flexibleResponse = false): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.waiting.push((f) => resolve(f.subarray(flexibleResponse ? 9 : 8)));
      this.ws.send(frame);
    });
  }

  async send(request: Sent): Promise<Uint8Array> {
    const encoded = (await kafkajsRequest({ correlationId: correlation++, clientId: "compat", request })) as {
      buffer: Uint8Array;
    };
    return this.raw(new Uint8Array(encoded.buffer));
  }

  close(): void {
    this.ws.close();
  }
}

/* kafkajs decodes its answers from Buffers. */
async function decode<T>(response: { decode(b: Uint8Array): Promise<T> }, body: Uint8Array): Promise<T> {
  return response.decode(Buffer.from(body));
}

const metadata = (topic: string) => MemberMetadata.encode({ version: 0, topics: [topic] }) as Uint8Array;
const assignment = (topic: string, ...partitions: number[]) =>
  MemberAssignment.encode({ version: 0, assignment: { [topic]: partitions } }) as Uint8Array;

interface Joined {
  errorCode: number;
  generationId: number;
  leaderId: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
}

function join5(c: Conn, groupId: string, topic: string, memberId = "", groupInstanceId: string | null = null) {
  return c
    .send(
      joinGroupV5({
        groupId,
        sessionTimeout: 30000,
        rebalanceTimeout: 10000,
        memberId,
        groupInstanceId,
        protocolType: "consumer",
        groupProtocols: [{ name: "RoundRobinAssigner", metadata: metadata(topic) }],
      }),
    )
    .then((b) => decode<Joined>(joinGroupV5Response, b));
}

function sync3(c: Conn, groupId: string, generationId: number, memberId: string, groupAssignment: object[] = []) {
  return c
    .send(syncGroupV3({ groupId, generationId, memberId, groupAssignment }))
    .then((b) => decode<{ errorCode: number; memberAssignment: Uint8Array }>(syncGroupV3Response, b));
}

function heartbeat3(c: Conn, groupId: string, generationId: number, memberId: string) {
  return c
    .send(heartbeatV3({ groupId, groupGenerationId: generationId, memberId }))
    .then((b) => decode<{ errorCode: number }>(heartbeatV3Response, b));
}

/* ---- hand-written frames ---- */

class Writer {
  private readonly bytes: number[] = [];
  i8(v: number) {
    this.bytes.push(v & 0xff);
    return this;
  }
  i16(v: number) {
    return this.i8(v >> 8).i8(v);
  }
  i32(v: number) {
    return this.i16(v >> 16).i16(v);
  }
  str(s: string | null) {
    if (s === null) return this.i16(-1);
    const b = new TextEncoder().encode(s);
    this.i16(b.length);
    for (const x of b) this.i8(x);
    return this;
  }
  uvarint(v: number) {
    while (v > 0x7f) {
      this.i8((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    return this.i8(v);
  }
  compactStr(s: string) {
    const b = new TextEncoder().encode(s);
    this.uvarint(b.length + 1);
    for (const x of b) this.i8(x);
    return this;
  }
  /* A frame: size, then a request header (v2 when flexible: tagged fields after the client id). */
  frame(apiKey: number, apiVersion: number, flexible: boolean, body: Writer): Uint8Array {
    const head = new Writer().i16(apiKey).i16(apiVersion).i32(correlation++).str("compat");
    if (flexible) head.uvarint(0);
    const all = [...head.bytes, ...body.bytes];
    return new Uint8Array([...new Writer().i32(all.length).bytes, ...all]);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly b: Uint8Array) {}
  private view() {
    return new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength);
  }
  i16() {
    const v = this.view().getInt16(this.at);
    this.at += 2;
    return v;
  }
  i32() {
    const v = this.view().getInt32(this.at);
    this.at += 4;
    return v;
  }
  i64() {
    const v = Number(this.view().getBigInt64(this.at));
    this.at += 8;
    return v;
  }
  str(): string | null {
    const len = this.i16();
    if (len < 0) return null;
    const s = new TextDecoder().decode(this.b.subarray(this.at, this.at + len));
    this.at += len;
    return s;
  }
  bytes(): Uint8Array {
    const len = this.i32();
    const b = this.b.subarray(this.at, this.at + Math.max(len, 0));
    this.at += Math.max(len, 0);
    return b;
  }
  uvarint(): number {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const x = this.b[this.at++]!;
      v |= (x & 0x7f) << shift;
      if (!(x & 0x80)) return v;
    }
  }
  compactStr(): string {
    const len = this.uvarint() - 1;
    const s = new TextDecoder().decode(this.b.subarray(this.at, this.at + len));
    this.at += len;
    return s;
  }
}

/* ListGroups v3/v4 (flexible): the groups listed, with their states. */
async function listGroups(c: Conn, version: 3 | 4, states: string[] = []) {
  const body = new Writer();
  if (version >= 4) {
    body.uvarint(states.length + 1);
    for (const s of states) body.compactStr(s);
  }
  body.uvarint(0);
  const r = new Reader(await c.raw(new Writer().frame(16, version, true, body), true));
  r.i32();
  const errorCode = r.i16();
  const groups: { groupId: string; protocolType: string; groupState?: string }[] = [];
  for (let k = r.uvarint() - 1, i = 0; i < k; i++) {
    const groupId = r.compactStr();
    const protocolType = r.compactStr();
    const g: (typeof groups)[number] = { groupId, protocolType };
    if (version >= 4) g.groupState = r.compactStr();
    r.uvarint();
    groups.push(g);
  }
  return { errorCode, groups };
}

/* DescribeGroups v4: per member its id and group instance id. */
async function describeGroup4(c: Conn, groupId: string) {
  const body = new Writer().i32(1).str(groupId).i8(0);
  const r = new Reader(await c.raw(new Writer().frame(15, 4, false, body)));
  r.i32();
  expect(r.i32()).toBe(1);
  const errorCode = r.i16();
  r.str();
  const state = r.str();
  r.str();
  r.str();
  const members: { memberId: string | null; groupInstanceId: string | null }[] = [];
  for (let k = r.i32(), i = 0; i < k; i++) {
    const memberId = r.str();
    const groupInstanceId = r.str();
    r.str();
    r.str();
    r.bytes();
    r.bytes();
    members.push({ memberId, groupInstanceId });
  }
  return { errorCode, state, members };
}

/* OffsetFetch v5 with a null topic list: every committed offset. */
async function fetchAllOffsets(c: Conn, groupId: string) {
  const body = new Writer().str(groupId).i32(-1);
  const r = new Reader(await c.raw(new Writer().frame(9, 5, false, body)));
  r.i32();
  const rows: { topic: string; partition: number; offset: number }[] = [];
  for (let t = r.i32(), i = 0; i < t; i++) {
    const topic = r.str()!;
    for (let p = r.i32(), j = 0; j < p; j++) {
      const partition = r.i32();
      const offset = r.i64();
      r.i32();
      r.str();
      expect(r.i16()).toBe(0);
      rows.push({ topic, partition, offset });
    }
  }
  return { rows, errorCode: r.i16() };
}

async function topicWith(partitions: number): Promise<string> {
  const topic = fresh("compat");
  await createAdmin(env).createTopic({ topic, partitions });
  return topic;
}

describe("Kafka group compatibility", () => {
  it("takes a JoinGroup with rebalance_timeout_ms 0", async () => {
    const topic = await topicWith(1);
    const c = await Conn.open();
    const body = await c.send(
      joinGroupV1({
        groupId: fresh("g"),
        sessionTimeout: 30000,
        rebalanceTimeout: 0,
        memberId: "",
        protocolType: "consumer",
        groupProtocols: [{ name: "RoundRobinAssigner", metadata: metadata(topic) }],
      }),
    );
    const joined = await decode<Joined>(joinGroupV1Response, body);
    expect(joined.errorCode).toBe(0);
    expect(joined.generationId).toBe(1);
    c.close();
  });

  it("answers an OffsetCommit to a topic or partition that does not exist UNKNOWN_TOPIC_OR_PARTITION, and stores the rest", async () => {
    const topic = await topicWith(2);
    const groupId = fresh("g");
    const c = await Conn.open();
    const body = await c.send(
      offsetCommitV2({
        groupId,
        groupGenerationId: -1,
        memberId: "",
        retentionTime: -1,
        topics: [
          {
            topic,
            partitions: [
              { partition: 0, offset: "5" },
              { partition: 7, offset: "1" },
            ],
          },
          { topic: fresh("missing"), partitions: [{ partition: 0, offset: "3" }] },
        ],
      }),
    );
    const answer = await decode<{
      responses: { topic: string; partitions: { partition: number; errorCode: number }[] }[];
    }>(offsetCommitV2Response, body);
    expect(answer.responses.map((t) => t.partitions.map((p) => p.errorCode))).toEqual([
      [0, KafkaCode.UNKNOWN_TOPIC_OR_PARTITION],
      [KafkaCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    const all = await fetchAllOffsets(c, groupId);
    expect(all.rows).toEqual([{ topic, partition: 0, offset: 5 }]);
    c.close();
  });

  it("lists every committed offset for an OffsetFetch with topics null", async () => {
    const [t1, t2] = [await topicWith(2), await topicWith(1)];
    const groupId = fresh("g");
    const c = await Conn.open();
    await c.send(
      offsetCommitV2({
        groupId,
        groupGenerationId: -1,
        memberId: "",
        retentionTime: -1,
        topics: [
          {
            topic: t1,
            partitions: [
              { partition: 0, offset: "5" },
              { partition: 1, offset: "6" },
            ],
          },
          { topic: t2, partitions: [{ partition: 0, offset: "7" }] },
        ],
      }),
    );
    const all = await fetchAllOffsets(c, groupId);
    expect(all.errorCode).toBe(0);
    expect(all.rows).toEqual([
      { topic: t1, partition: 0, offset: 5 },
      { topic: t1, partition: 1, offset: 6 },
      { topic: t2, partition: 0, offset: 7 },
    ]);
    /* kafkajs's OffsetFetch v3 with the topics named reads the same. */
    const named = await decode<{ responses: { topic: string; partitions: { offset: string }[] }[] }>(
      offsetFetchV3Response,
      await c.send(offsetFetchV3({ groupId, topics: [{ topic: t2, partitions: [{ partition: 0 }] }] })),
    );
    expect(named.responses[0]!.partitions[0]!.offset).toBe("7");
    c.close();
  });

  it("answers a JoinGroup v4+ without a member id MEMBER_ID_REQUIRED, and leaves no member for it", async () => {
    const topic = await topicWith(1);
    const groupId = fresh("g");
    const c = await Conn.open();
    const first = await join5(c, groupId, topic);
    expect(first.errorCode).toBe(KafkaCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^compat-/);
    const abandoned = await join5(c, groupId, topic);
    expect(abandoned.errorCode).toBe(KafkaCode.MEMBER_ID_REQUIRED);
    expect(abandoned.memberId).not.toBe(first.memberId);
    const joined = await join5(c, groupId, topic, first.memberId);
    expect(joined.errorCode).toBe(0);
    expect(joined.generationId).toBe(1);
    expect(joined.members.map((m) => m.memberId)).toEqual([first.memberId]);
    expect((await describeGroup4(c, groupId)).members.map((m) => m.memberId)).toEqual([first.memberId]);
    /* A made-up id was never handed out: unknown. */
    expect((await join5(c, groupId, topic, "compat-made-up")).errorCode).toBe(KafkaCode.UNKNOWN_MEMBER_ID);
    c.close();
  });

  it("keeps a restarted static member's assignment without a rebalance and fences its old member id", async () => {
    const topic = await topicWith(2);
    const groupId = fresh("g");
    const [ca, cb] = [await Conn.open(), await Conn.open()];
    /* a (dynamic) leads; b is static. */
    const aId = (await join5(ca, groupId, topic)).memberId;
    const a1 = await join5(ca, groupId, topic, aId);
    await sync3(ca, groupId, a1.generationId, aId, [{ memberId: aId, memberAssignment: assignment(topic, 0, 1) }]);
    const bJoin = join5(cb, groupId, topic, "", "b-host");
    const a2 = await join5(ca, groupId, topic, aId);
    const b = await bJoin;
    expect(b.errorCode).toBe(0); /* static: no MEMBER_ID_REQUIRED round trip */
    expect(a2.members.map((m) => [m.memberId, m.groupInstanceId]).sort()).toEqual(
      [
        [aId, null],
        [b.memberId, "b-host"],
      ].sort(),
    );
    await sync3(ca, groupId, a2.generationId, aId, [
      { memberId: aId, memberAssignment: assignment(topic, 0) },
      { memberId: b.memberId, memberAssignment: assignment(topic, 1) },
    ]);
    expect((await sync3(cb, groupId, a2.generationId, b.memberId)).errorCode).toBe(0);
    const described = await describeGroup4(ca, groupId);
    expect(described.members.find((m) => m.memberId === b.memberId)!.groupInstanceId).toBe("b-host");

    /* b restarts: a new member id, the same instance. */
    const cb2 = await Conn.open();
    const b2 = await join5(cb2, groupId, topic, "", "b-host");
    expect(b2.errorCode).toBe(0);
    expect(b2.memberId).not.toBe(b.memberId);
    expect(b2.generationId).toBe(a2.generationId);
    expect(b2.leaderId).toBe(aId);
    const s = await sync3(cb2, groupId, b2.generationId, b2.memberId);
    expect(s.errorCode).toBe(0);
    expect([...s.memberAssignment]).toEqual([...assignment(topic, 1)]);
    expect((await heartbeat3(ca, groupId, a2.generationId, aId)).errorCode).toBe(0); /* no rebalance */
    expect((await heartbeat3(cb, groupId, a2.generationId, b.memberId)).errorCode).toBe(KafkaCode.FENCED_INSTANCE_ID);
    expect((await sync3(cb, groupId, a2.generationId, b.memberId)).errorCode).toBe(KafkaCode.FENCED_INSTANCE_ID);

    /* LeaveGroup v3 by instance id: the old id is fenced, the instance's leaves. */
    const leave = (members: object[]) =>
      cb2
        .send(leaveGroupV3({ groupId, members }))
        .then((body) => decode<{ errorCode: number; members: { errorCode: number }[] }>(leaveGroupV3Response, body));
    const refused = await leave([
      { memberId: b.memberId, groupInstanceId: "b-host" },
      { memberId: "", groupInstanceId: "nobody" },
    ]);
    expect(refused.members.map((m) => m.errorCode)).toEqual([
      KafkaCode.FENCED_INSTANCE_ID,
      KafkaCode.UNKNOWN_MEMBER_ID,
    ]);
    const left = await leave([{ memberId: "", groupInstanceId: "b-host" }]);
    expect(left.members.map((m) => m.errorCode)).toEqual([0]);
    expect((await heartbeat3(ca, groupId, a2.generationId, aId)).errorCode).toBe(KafkaCode.REBALANCE_IN_PROGRESS);
    expect((await describeGroup4(ca, groupId)).members.map((m) => m.memberId)).toEqual([aId]);
    for (const c of [ca, cb, cb2]) c.close();
  });

  it("rebalances a group when a topic it subscribes to is deleted or given partitions", async () => {
    const c = await Conn.open();
    const stable = async (topic: string) => {
      const groupId = fresh("g");
      const id = (await join5(c, groupId, topic)).memberId;
      const j = await join5(c, groupId, topic, id);
      await sync3(c, groupId, j.generationId, id, [{ memberId: id, memberAssignment: assignment(topic, 0) }]);
      expect((await heartbeat3(c, groupId, j.generationId, id)).errorCode).toBe(0);
      return { groupId, id, generation: j.generationId };
    };
    const [grown, deleted, other] = [await topicWith(1), await topicWith(1), await topicWith(1)];
    const g1 = await stable(grown);
    const g2 = await stable(deleted);
    const g3 = await stable(other);
    await createAdmin(env).createPartitions(grown, 3);
    await createAdmin(env).deleteTopic(deleted);
    expect((await heartbeat3(c, g1.groupId, g1.generation, g1.id)).errorCode).toBe(KafkaCode.REBALANCE_IN_PROGRESS);
    expect((await heartbeat3(c, g2.groupId, g2.generation, g2.id)).errorCode).toBe(KafkaCode.REBALANCE_IN_PROGRESS);
    expect((await heartbeat3(c, g3.groupId, g3.generation, g3.id)).errorCode).toBe(0); /* not subscribed */
    c.close();
  });

  it("forgets a deleted topic's committed offsets in every group, as Kafka's coordinator does", async () => {
    const [kept, deleted] = [await topicWith(1), await topicWith(1)];
    const groupId = fresh("g");
    const c = await Conn.open();
    await c.send(
      offsetCommitV2({
        groupId,
        groupGenerationId: -1,
        memberId: "",
        retentionTime: -1,
        topics: [kept, deleted].map((topic) => ({ topic, partitions: [{ partition: 0, offset: "7" }] })),
      }),
    );
    expect((await fetchAllOffsets(c, groupId)).rows.map((r) => r.topic).sort()).toEqual([kept, deleted].sort());
    await createAdmin(env).deleteTopic(deleted);
    expect((await fetchAllOffsets(c, groupId)).rows).toEqual([{ topic: kept, partition: 0, offset: 7 }]);
    c.close();
  });

  it("answers ListGroups v3 and v4, with states and the states filter", async () => {
    const topic = await topicWith(1);
    const stable = fresh("g");
    const c = await Conn.open();
    const id = (await join5(c, stable, topic)).memberId;
    const j = await join5(c, stable, topic, id);
    await sync3(c, stable, j.generationId, id, [{ memberId: id, memberAssignment: assignment(topic, 0) }]);
    const empty = fresh("g");
    await c.send(
      offsetCommitV2({
        groupId: empty,
        groupGenerationId: -1,
        memberId: "",
        retentionTime: -1,
        topics: [{ topic, partitions: [{ partition: 0, offset: "1" }] }],
      }),
    );

    const v3 = await listGroups(c, 3);
    expect(v3.errorCode).toBe(0);
    expect(v3.groups.find((g) => g.groupId === stable)).toEqual({ groupId: stable, protocolType: "consumer" });
    const v4 = await listGroups(c, 4);
    expect(v4.groups.find((g) => g.groupId === stable)!.groupState).toBe("Stable");
    expect(v4.groups.find((g) => g.groupId === empty)!.groupState).toBe("Empty");
    const onlyStable = await listGroups(c, 4, ["Stable"]);
    expect(onlyStable.groups.some((g) => g.groupId === stable)).toBe(true);
    expect(onlyStable.groups.some((g) => g.groupId === empty)).toBe(false);
    expect(onlyStable.groups.every((g) => g.groupState === "Stable")).toBe(true);
    const lower = await listGroups(c, 4, ["empty"]);
    expect(lower.groups.some((g) => g.groupId === empty)).toBe(true);
    expect(lower.groups.some((g) => g.groupId === stable)).toBe(false);
    c.close();
  });
});
