/*
 * GET /topics/:topic/partitions/:partition/messages?timestamp=: a read that starts at
 * the first record at or after a time (Kafka's ListOffsets by time, then a Fetch), as
 * the console's message browser asks for it.
 */
import { describe, expect, it } from "vitest";
import { createTopic, enc, expectError, get, post } from "./helpers";

const messagesPath = (topic: string, query: string) => `/topics/${enc(topic)}/partitions/0/messages?${query}`;

async function produceAt(topic: string, timestamps: number[]): Promise<void> {
  const messages = timestamps.map((timestamp, i) => ({ value: { i }, partition: 0, timestamp }));
  const res = await post(`/topics/${enc(topic)}/produce-batch`, { messages });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe("reading messages by time", () => {
  it("starts at the first record at or after the timestamp", async () => {
    const topic = await createTopic();
    await produceAt(topic, [1000, 2000, 3000, 4000]);

    const between = await get(messagesPath(topic, "timestamp=2500"));
    expect(between.status, JSON.stringify(between.body)).toBe(200);
    expect(between.body.messages.map((m: { offset: number }) => m.offset)).toEqual([2, 3]);
    expect(between.body.nextOffset).toBe(4);

    const exact = await get(messagesPath(topic, "timestamp=2000&limit=1"));
    expect(exact.body.messages.map((m: { offset: number; timestamp: number }) => [m.offset, m.timestamp])).toEqual([
      [1, 2000],
    ]);

    const before = await get(messagesPath(topic, "timestamp=0"));
    expect(before.body.messages).toHaveLength(4);
  });

  it("answers no messages, from the high watermark, when no record is that late", async () => {
    const topic = await createTopic();
    await produceAt(topic, [1000, 2000]);
    const late = await get(messagesPath(topic, "timestamp=9000"));
    expect(late.status).toBe(200);
    expect(late.body.messages).toEqual([]);
    expect(late.body.nextOffset).toBe(2);
    expect(late.body.highWatermark).toBe(2);
  });

  it("refuses a timestamp with an offset, and one that is not a non-negative integer", async () => {
    const topic = await createTopic();
    await produceAt(topic, [1000]);
    expectError(await get(messagesPath(topic, "timestamp=1000&offset=0")), 400, "INVALID_REQUEST", "timestamp");
    expectError(await get(messagesPath(topic, "timestamp=-5")), 400, "INVALID_REQUEST", "timestamp");
    expectError(await get(messagesPath(topic, "timestamp=soon")), 400, "INVALID_REQUEST", "timestamp");
  });

  it("is 404 for a partition the topic does not have", async () => {
    const topic = await createTopic();
    expectError(
      await get(`/topics/${enc(topic)}/partitions/3/messages?timestamp=0`),
      404,
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
  });
});
