/*
 * kafdo/kafkajs's errors are kafkajs's classes: a broker's refusal is a
 * KafkaJSProtocolError (a KafkaJSError, an Error) with Kafka's name as `type` and
 * number as `code`; a bad argument a KafkaJSNonRetriableError. Callers that catch
 * by class, as kafkajs code does, keep working.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  Kafka,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSOffsetOutOfRange,
  KafkaJSProtocolError,
} from "kafdo/kafkajs";
import { KafdoError, KafkaCode } from "../../../worker/common/errors";
import { kafkajsError } from "../../../worker/kafkajs/errors";

let n = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;
const kafka = new Kafka({ clientId: "errors-test", env });

async function caught(p: Promise<unknown>): Promise<any> {
  return p.then(
    () => expect.fail("expected a rejection"),
    (e: unknown) => e,
  );
}

describe("kafdo/kafkajs errors", { timeout: 20_000 }, () => {
  it("a broker refusal is a KafkaJSProtocolError with kafkajs's type and code", async () => {
    const admin = kafka.admin();
    const e = await caught(admin.fetchTopicOffsets(unique("missing")));
    expect(e).toBeInstanceOf(KafkaJSProtocolError);
    expect(e).toBeInstanceOf(KafkaJSError);
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(KafkaJSNonRetriableError);
    expect(e.name).toBe("KafkaJSProtocolError");
    expect(e.type).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(e.code).toBe(3);

    const topic = unique("kjs-errors");
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const shrink = await caught(admin.createPartitions({ topicPartitions: [{ topic, count: 1 }] }));
    expect(shrink).toBeInstanceOf(KafkaJSProtocolError);
    expect(shrink.type).toBe("INVALID_PARTITIONS");
    expect(shrink.code).toBe(37);
    expect(shrink.retriable).toBe(false);

    const badName = await caught(admin.createTopics({ topics: [{ topic: "bad name!" }] }));
    expect(badName).toBeInstanceOf(KafkaJSProtocolError);
    expect(badName.type).toBe("INVALID_TOPIC_EXCEPTION");
    expect(await admin.listTopics()).not.toContain("bad name!");

    const busy = kafka.consumer({ groupId: unique("kjs-busy") });
    await busy.subscribe({ topics: [topic] });
    await busy.run({ eachMessage: async () => {} });
    const nonEmpty = await caught(admin.resetOffsets({ groupId: (busy as any).config.groupId, topic }));
    expect(nonEmpty).toBeInstanceOf(KafkaJSProtocolError);
    expect(nonEmpty.type).toBe("NON_EMPTY_GROUP");
    await busy.disconnect();
  });

  it("maps each KafdoError as kafkajs would name it", () => {
    const range = kafkajsError(new KafdoError(KafkaCode.OFFSET_OUT_OF_RANGE, "offset 9 is past the end"));
    expect(range).toBeInstanceOf(KafkaJSOffsetOutOfRange);
    expect(range).toBeInstanceOf(KafkaJSProtocolError);
    expect((range as KafkaJSProtocolError).type).toBe("OFFSET_OUT_OF_RANGE");
    const retriable = kafkajsError(new KafdoError(KafkaCode.NOT_LEADER_OR_FOLLOWER)) as KafkaJSProtocolError;
    expect(retriable.retriable).toBe(true);
    /* An error that crossed an RPC boundary, its name folded into its message. */
    const folded = kafkajsError(new Error("GROUP_ID_NOT_FOUND: group x does not exist")) as KafkaJSProtocolError;
    expect(folded).toBeInstanceOf(KafkaJSProtocolError);
    expect(folded.type).toBe("GROUP_ID_NOT_FOUND");
    expect(folded.code).toBe(69);
    const other = kafkajsError(new TypeError("x")) as KafkaJSError;
    expect(other).toBeInstanceOf(KafkaJSError);
    expect(other).not.toBeInstanceOf(KafkaJSProtocolError);
  });
});
