/*
 * The spec's "Kafka API" Quick Start (../shared/spec/streaming-README.md) as written,
 * with `kafdo/kafkajs` for '@dotdo/kafka': new Kafka({ clientId }) needs nothing else,
 * its bindings are the Worker's own. As with kafkajs, a new group starts at the end of
 * the log, so the message the example sent before joining is not consumed; one sent
 * after run() is, and the example's eachMessage prints it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Kafka } from "kafdo/kafkajs";

describe("the spec's Kafka API example", { timeout: 20_000 }, () => {
  afterEach(() => vi.restoreAllMocks());

  it("produces and consumes as written", async () => {
    const printed: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));

    // ---- the example, as written ----
    const kafka = new Kafka({ clientId: "my-app" });

    // Produce
    const producer = kafka.producer();
    await producer.send({
      topic: "events",
      messages: [{ key: "user-1", value: JSON.stringify({ action: "signup" }) }],
    });

    // Consume
    const consumer = kafka.consumer({ groupId: "processor" });
    await consumer.subscribe({ topics: ["events"] });
    await consumer.run({
      // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the spec's code names them
      eachMessage: async ({ topic, partition, message }) => {
        // @ts-expect-error -- value is Buffer | null in kafkajs's types too (null: a tombstone); the spec's code does not check
        console.log(message.value.toString());
      },
    });
    // ---- end of the example ----

    await producer.send({ topic: "events", messages: [{ key: "user-2", value: JSON.stringify({ action: "login" }) }] });
    await vi.waitFor(() => expect(printed).toContain('{"action":"login"}'), { timeout: 5000, interval: 20 });
    expect(printed).not.toContain('{"action":"signup"}');
    await consumer.disconnect();
    await producer.disconnect();
  });
});
