/*
 * Group ids with control characters ("a\r\nX-Injected: 1") are refused with
 * INVALID_GROUP_ID on every door: the REST group endpoints (400), the Kafka wire
 * protocol (JoinGroup, OffsetCommit and the rest answer Kafka's code 24), the
 * in-Worker consumer and webhook subscriptions. The rule is the core's
 * (kd_group_id_check): an id printed by a tool must not forge a log line or drive
 * a terminal. Each door is shown to work for a valid id first, so a refusal is
 * the rule's and not a broken request.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createConsumer } from "../../../worker/api/consumer";
import { KafkaCode } from "../../../worker/common/errors";
import { expectKafdoError } from "../helpers";
import { call, createTopic, enc, expectError, post } from "../http/helpers";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import kafkajsRequest from "kafkajs/src/protocol/request";
// @ts-expect-error untyped
import joinGroupV2 from "kafkajs/src/protocol/requests/joinGroup/v2/request";
// @ts-expect-error untyped
import joinGroupV2Response from "kafkajs/src/protocol/requests/joinGroup/v2/response";
// @ts-expect-error untyped
import offsetCommitV2 from "kafkajs/src/protocol/requests/offsetCommit/v2/request";
// @ts-expect-error untyped
import offsetCommitV2Response from "kafkajs/src/protocol/requests/offsetCommit/v2/response";
// @ts-expect-error untyped
import heartbeatV1 from "kafkajs/src/protocol/requests/heartbeat/v1/request";
// @ts-expect-error untyped
import heartbeatV1Response from "kafkajs/src/protocol/requests/heartbeat/v1/response";

const INJECTED = "a\r\nX-Injected: 1";
/* C0 (NUL, TAB, ESC), DEL and C1 (NEL U+0085, CSI U+009B). */
const REFUSED = [INJECTED, "nul\0", "tab\there", "esc\x1b[31m", "del\x7f", "nel\u0085", "csi\u009b31m"];

let n = 0;
const fresh = (p: string) => `${p}-${Date.now().toString(36)}-${n++}`;

describe("group ids with control characters, over REST", () => {
  it("are 400 INVALID_GROUP_ID on every group endpoint, naming the byte and not echoing the id", async () => {
    const topic = await createTopic(1);
    for (const id of REFUSED) {
      const g = enc(id);
      const cases: [string, string, unknown][] = [
        ["POST", `/consumer-groups/${g}/join`, { topics: [topic] }],
        ["POST", `/consumer-groups/${g}/heartbeat`, { memberId: "m", generationId: 1 }],
        ["POST", `/consumer-groups/${g}/commit`, { memberId: "m", generationId: 1, offsets: [] }],
        ["POST", `/consumer-groups/${g}/leave`, { memberId: "m" }],
        ["GET", `/consumer-groups/${g}`, undefined],
        ["GET", `/consumer-groups/${g}/offsets`, undefined],
        ["GET", `/admin/groups/${g}`, undefined],
        ["DELETE", `/admin/groups/${g}`, undefined],
        ["GET", `/webhook-subscriptions/${g}`, undefined],
      ];
      for (const [method, path, json] of cases) {
        const res = await call(method, path, json === undefined ? {} : { json });
        expectError(res, 400, "INVALID_GROUP_ID", "control character");
        expect(res.body.error.message).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
      }
      const sub = await post("/webhook-subscriptions", { groupId: id, topic, url: "https://example.com/hook" });
      expectError(sub, 400, "INVALID_GROUP_ID", "control character");
    }
    /* The same join with a printable id is answered. */
    const ok = await post(`/consumer-groups/${enc(fresh("ok group ü"))}/join`, { topics: [topic] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it("names the offending character's position and code point", async () => {
    const res = await post(`/consumer-groups/${enc(INJECTED)}/join`, { topics: ["t"] });
    expectError(res, 400, "INVALID_GROUP_ID", "byte 1 is U+000D");
  });
});

describe("group ids with control characters, in the Worker", () => {
  it("createConsumer refuses them with INVALID_GROUP_ID", async () => {
    for (const groupId of REFUSED) {
      await expectKafdoError(() => createConsumer(env, { groupId }), "INVALID_GROUP_ID");
    }
  });
});

/* ---- the Kafka wire protocol, as `kafdo gateway` carries it: frames over /kafka -------- */

interface KafkaSocket {
  ask(request: unknown): Promise<Uint8Array>;
  close(): void;
}

/* A Kafka connection to this Worker. Answers come in request order (one at a time). */
async function kafkaSocket(): Promise<KafkaSocket> {
  const res = await exports.default.fetch("http://kafdo.test/kafka?advertise=127.0.0.1:9092", {
    headers: { Upgrade: "websocket" },
  });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const waiting: ((frame: Uint8Array) => void)[] = [];
  ws.addEventListener("message", (event) => waiting.shift()?.(new Uint8Array(event.data as ArrayBuffer)));
  let correlationId = 0;
  return {
    async ask(request) {
      const { buffer } = await kafkajsRequest({ correlationId: ++correlationId, clientId: "kafdo-test", request });
      const frame = await new Promise<Uint8Array>((resolve) => {
        waiting.push(resolve);
        ws.send(new Uint8Array(buffer));
      });
      /* What kafkajs's decoders take: the bytes after the size prefix and correlation id. */
      return Buffer.from(frame.subarray(8));
    },
    close: () => ws.close(),
  };
}

const join = (groupId: string) =>
  joinGroupV2({
    groupId,
    sessionTimeout: 30000,
    rebalanceTimeout: 60000,
    memberId: "",
    protocolType: "consumer",
    /* kafkajs MemberMetadata.encode({ version: 1, topics: [] }) */
    groupProtocols: [{ name: "RoundRobinAssigner", metadata: Buffer.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]) }],
  });

const commit = (groupId: string, topic: string, generation: number, memberId: string) =>
  offsetCommitV2({
    groupId,
    groupGenerationId: generation,
    memberId,
    retentionTime: -1,
    topics: [{ topic, partitions: [{ partition: 0, offset: "1" }] }],
  });

const commitCodes = async (answer: Uint8Array): Promise<number[]> =>
  (await offsetCommitV2Response.decode(answer)).responses.flatMap((t: any) =>
    t.partitions.map((p: any) => p.errorCode),
  );

describe("group ids with control characters, over Kafka's protocol", () => {
  it("JoinGroup, OffsetCommit and Heartbeat answer INVALID_GROUP_ID (24)", async () => {
    expect(KafkaCode.INVALID_GROUP_ID).toBe(24);
    const topic = await createTopic(1);
    const kafka = await kafkaSocket();
    try {
      /* A printable id joins; its commit reaches the group, which awaits the leader's
       * SyncGroup (CompletingRebalance) and so answers REBALANCE_IN_PROGRESS, as Kafka does. */
      const group = fresh("kafka ok");
      const joined = await joinGroupV2Response.decode(await kafka.ask(join(group)));
      expect(joined.errorCode).toBe(0);
      expect(await commitCodes(await kafka.ask(commit(group, topic, joined.generationId, joined.memberId)))).toEqual([
        KafkaCode.REBALANCE_IN_PROGRESS,
      ]);

      for (const id of REFUSED) {
        const refused = await joinGroupV2Response.decode(await kafka.ask(join(id)));
        expect(refused.errorCode, JSON.stringify(id)).toBe(KafkaCode.INVALID_GROUP_ID);
        expect(await commitCodes(await kafka.ask(commit(id, topic, 1, "m")))).toEqual([KafkaCode.INVALID_GROUP_ID]);
        const beat = await heartbeatV1Response.decode(
          await kafka.ask(heartbeatV1({ groupId: id, groupGenerationId: 1, memberId: "m" })),
        );
        expect(beat.errorCode).toBe(KafkaCode.INVALID_GROUP_ID);
      }
    } finally {
      kafka.close();
    }
  });
});
