/*
 * Idempotent producers through the Durable Objects, end to end over the wasm core
 * and real DO SQLite: a producer id from ClusterMetadataDO, and a partition that
 * answers a retried idempotent batch with the offsets of the first attempt
 * (the rules themselves are tested in tests/c/test_log.c).
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { encodeBatch } from "../../../wasm/kafdo";
import { KafkaCode } from "../../../worker/common/errors";
import type { ClusterMetadataDO } from "../../../worker/durable-objects/ClusterMetadataDO";
import type { TopicPartitionDO } from "../../../worker/durable-objects/TopicPartitionDO";
import type { ProducerRecord } from "../../../worker/common/records";

const { OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH } = KafkaCode;

let objects = 0;
const unique = (what: string): string => `${what}-${Date.now()}-${objects++}`;

function freshPartition(): DurableObjectStub<TopicPartitionDO> {
  return env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`${unique("idempotent")}/0`));
}

/* `count` records from producer `producerId` at `producerEpoch`, from `baseSequence`. */
function idempotentBatch(producerId: number, producerEpoch: number, baseSequence: number, count: number): Uint8Array {
  const records: ProducerRecord[] = [];
  for (let i = 0; i < count; i++) {
    records.push({
      key: null,
      value: new TextEncoder().encode(`seq-${baseSequence + i}`),
      timestamp: 1_700_000_000_000,
    });
  }
  return encodeBatch({ producerId, producerEpoch, baseSequence }, records);
}

describe("idempotent producers", () => {
  it("allocates producer ids that are never handed out twice", async () => {
    const id = env.CLUSTER_METADATA.idFromName(unique("cluster"));
    const cluster: DurableObjectStub<ClusterMetadataDO> = env.CLUSTER_METADATA.get(id);
    const first = await cluster.allocateProducerId();
    const second = await cluster.allocateProducerId();
    expect(first).toBe(1000);
    expect(second).toBe(1001);
    // A new instance of the object reads the counter from SQLite.
    await evictDurableObject(cluster);
    expect(await env.CLUSTER_METADATA.get(id).allocateProducerId()).toBe(1002);
  });

  it("acknowledges a retried batch with the first attempt's offsets, storing it once", async () => {
    const p = freshPartition();
    await p.append([idempotentBatch(7000, 0, 0, 1)]); // someone else's record first
    const batch = idempotentBatch(1000, 0, 0, 3);
    const first = await p.append([batch]);
    expect(first).toEqual([
      { errorCode: 0, recordCount: 3, baseOffset: 1, lastOffset: 3, logAppendTime: -1, logStartOffset: 0 },
    ]);
    const retry = await p.append([batch]);
    expect(retry).toEqual(first);
    expect(await p.offsets()).toEqual({ logStartOffset: 0, highWatermark: 4 });

    // Two retries coalesced into one core call by the group commit: the same answer.
    const both = await Promise.all([p.append([batch]), p.append([batch])]);
    expect(both).toEqual([first, first]);

    // The next sequence is stored; a gap and an old epoch are refused.
    expect(await p.append([idempotentBatch(1000, 0, 3, 2)])).toEqual([
      { errorCode: 0, recordCount: 2, baseOffset: 4, lastOffset: 5, logAppendTime: -1, logStartOffset: 0 },
    ]);
    const [gap] = await p.append([idempotentBatch(1000, 0, 9, 1)]);
    expect(gap!.errorCode).toBe(OUT_OF_ORDER_SEQUENCE_NUMBER);
    await p.append([idempotentBatch(1000, 1, 0, 1)]);
    const [fenced] = await p.append([idempotentBatch(1000, 0, 5, 1)]);
    expect(fenced!.errorCode).toBe(INVALID_PRODUCER_EPOCH);
    expect(await p.offsets()).toEqual({ logStartOffset: 0, highWatermark: 7 });
  });
});
