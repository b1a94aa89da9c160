/*
 * kafdo/client's atomic produce inside workerd, through the Worker's own HTTP front:
 * client.produceTransaction() commits records on several partitions with a group's
 * offsets, and a failing one leaves nothing visible, answered as a KafdoClientError
 * with the Worker's code and status; client.transaction() gathers sends and offsets
 * and makes the one call at commit(), abort() sending nothing.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KafdoClient, KafdoClientError } from "kafdo/client";

const local = () =>
  new KafdoClient({ baseUrl: "http://kafdo.test", fetch: (input, init) => exports.default.fetch(input, init) });

let n = 0;
const fresh = (p: string) => `${p}-${Date.now()}-${n++}`;

async function committedValues(client: KafdoClient, topic: string, partition: number): Promise<unknown[]> {
  const consumer = client.consumer({ groupId: fresh("reader"), topics: [topic] });
  const { messages } = await consumer.fetch(topic, partition, { offset: 0 });
  return messages.map((m) => m.value);
}

describe("kafdo/client transactions", () => {
  it("produceTransaction commits records and offsets together, or nothing", async () => {
    const client = local();
    const topic = fresh("client-txn");
    const groupId = fresh("client-txn-group");
    await client.admin().createTopic({ topic, partitions: 2 });
    const done = await client.produceTransaction({
      records: [
        { topic, partition: 0, value: { n: 1 } },
        { topic, partition: 1, key: "k", value: new Uint8Array([1, 2]) },
      ],
      offsets: { groupId, topics: [{ topic, partitions: [{ partition: 0, offset: 1 }] }] },
    });
    expect(done.results.map((r) => [r.partition, r.offset])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(await committedValues(client, topic, 0)).toEqual([{ n: 1 }]);
    const offsets = await client.consumer({ groupId, topics: [topic] }).committed();
    expect(offsets.find((o) => o.partition === 0)?.offset).toBe(1);

    const failed = await client
      .produceTransaction({
        records: [{ topic, partition: 0, value: "never" }],
        offsets: { groupId, topics: [{ topic, partitions: [{ partition: 9, offset: 5 }] }] },
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(failed).toBeInstanceOf(KafdoClientError);
    expect((failed as KafdoClientError).code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect((failed as KafdoClientError).status).toBe(404);
    expect(await committedValues(client, topic, 0)).toEqual([{ n: 1 }]);
  });

  it("transaction() sends at commit() and nothing at abort()", async () => {
    const client = local();
    const topic = fresh("client-txn-obj");
    await client.admin().createTopic({ topic, partitions: 1 });
    const aborted = client.transaction();
    aborted.send({ topic, value: "dropped" });
    await aborted.abort();
    expect(aborted.isActive()).toBe(false);
    const txn = client.transaction({ transactionalId: fresh("client-tid") });
    txn.send({ topic, value: "a" });
    txn.sendBatch([{ topic, value: "b" }]);
    const { results } = await txn.commit();
    expect(results.map((r) => r.offset)).toEqual([0, 1]);
    expect(await committedValues(client, topic, 0)).toEqual(["a", "b"]);
    expect(() => txn.send({ topic, value: "late" })).toThrow(KafdoClientError);
  });
});
