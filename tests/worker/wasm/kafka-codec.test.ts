/*
 * The Kafka codec through the wasm binding, inside workerd: a request frame made by
 * kafkajs 2.2.4's own encoder decodes with its bytes as views into the frame; a
 * response encoded from JSON (with a blob copied into its hole) is read back by
 * kafkajs's own response decoders; error responses and the supported ranges.
 */
import { describe, expect, it } from "vitest";
import { kafkaDecode, kafkaEncode, kafkaErrorResponse, kafkaSupported } from "../../../wasm/kafdo";
import { KafdoError } from "../../../worker/common/errors";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import kafkajsRequest from "kafkajs/src/protocol/request";
// @ts-expect-error untyped
import produceV7 from "kafkajs/src/protocol/requests/produce/v7/request";
// @ts-expect-error untyped
import metadataV6Response from "kafkajs/src/protocol/requests/metadata/v6/response";
// @ts-expect-error untyped
import apiVersionsV2Response from "kafkajs/src/protocol/requests/apiVersions/v2/response";
// @ts-expect-error untyped
import fetchV11Response from "kafkajs/src/protocol/requests/fetch/v11/response";
// @ts-expect-error untyped
import produceV7Response from "kafkajs/src/protocol/requests/produce/v7/response";

interface Encoded {
  buffer: Uint8Array;
}

async function kafkajsFrame(request: unknown): Promise<Uint8Array> {
  const encoded = (await kafkajsRequest({ correlationId: 42, clientId: "kafdo-test", request })) as Encoded;
  return new Uint8Array(encoded.buffer);
}

/* What kafkajs's connection hands a response decoder: the bytes after the size
 * prefix and the correlation id. */
function payload(frame: Uint8Array) {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  expect(view.getUint32(0)).toBe(frame.length - 4);
  return Buffer.from(frame.subarray(8));
}

describe("kafkaDecode", () => {
  it("decodes a kafkajs Produce v7 request, records as views into the frame", async () => {
    const frame = await kafkajsFrame(
      produceV7({
        acks: -1,
        timeout: 30000,
        topicData: [{ topic: "orders", partitions: [{ partition: 1, messages: [{ key: "k", value: "v" }] }] }],
      }),
    );
    const { error, request } = kafkaDecode(frame);
    expect(error).toBe(0);
    expect(request.apiKey).toBe(0);
    expect(request.apiVersion).toBe(7);
    expect(request.correlationId).toBe(42);
    expect(request.clientId).toBe("kafdo-test");
    expect(request.body.acks).toBe(-1);
    expect(request.body.transactionalId).toBeNull();
    const partition = request.body.topicData[0].partitionData[0];
    expect(request.body.topicData[0].name).toBe("orders");
    expect(partition.index).toBe(1);
    expect(partition.records).toBeInstanceOf(Uint8Array);
    expect(partition.records.buffer).toBe(frame.buffer);
    expect(partition.records[16]).toBe(2); /* RecordBatch magic */
  });

  it("answers UNSUPPORTED_VERSION and INVALID_REQUEST with the header, and throws on garbage", () => {
    const v10 = new Uint8Array([0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 5, 0xff, 0xff]);
    expect(kafkaDecode(v10)).toEqual({
      error: 35,
      request: { apiKey: 0, apiVersion: 10, correlationId: 5, clientId: null, body: null },
    });
    const truncated = new Uint8Array([0, 0, 0, 12, 0, 12, 0, 0, 0, 0, 0, 6, 0xff, 0xff, 0, 1]);
    expect(kafkaDecode(truncated).error).toBe(42);
    expect(() => kafkaDecode(new Uint8Array([0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(KafdoError);
  });
});

describe("kafkaEncode", () => {
  it("encodes a Metadata v6 response that kafkajs reads", async () => {
    const frame = kafkaEncode(3, 6, 9, {
      brokers: [{ nodeId: 0, host: "127.0.0.1", port: 9092, rack: null }],
      clusterId: "kafdo",
      controllerId: 0,
      topics: [
        {
          errorCode: 0,
          name: "orders",
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, replicaNodes: [0], isrNodes: [0] }],
        },
      ],
    });
    expect(new DataView(frame.buffer, frame.byteOffset).getInt32(4)).toBe(9);
    const decoded = await metadataV6Response.decode(payload(frame));
    expect(decoded.brokers).toEqual([{ nodeId: 0, host: "127.0.0.1", port: 9092, rack: null }]);
    expect(decoded.clusterId).toBe("kafdo");
    expect(decoded.controllerId).toBe(0);
    expect(decoded.topicMetadata[0].topic).toBe("orders");
    expect(decoded.topicMetadata[0].partitionMetadata[0]).toMatchObject({ partitionId: 0, leader: 0, replicas: [0], isr: [0] });
  });

  it("encodes ApiVersions from kafkaSupported, and Produce with int64 as bigint", async () => {
    const supported = kafkaSupported();
    expect(supported[0]).toEqual({ apiKey: 0, minVersion: 0, maxVersion: 9 });
    const av = await apiVersionsV2Response.decode(payload(kafkaEncode(18, 2, 1, { errorCode: 0, apiKeys: supported })));
    expect(av.apiVersions).toHaveLength(supported.length);
    const produced = await produceV7Response.decode(
      payload(
        kafkaEncode(0, 7, 2, {
          responses: [{ name: "orders", partitionResponses: [{ index: 1, errorCode: 0, baseOffset: 2n ** 60n }] }],
        }),
      ),
    );
    expect(produced.topics[0].partitions[0]).toMatchObject({ partition: 1, errorCode: 0, baseOffset: "1152921504606846976" });
  });

  it("copies a Uint8Array into its hole: a Fetch v11 response kafkajs decodes", async () => {
    const produceFrame = await kafkajsFrame(
      produceV7({ acks: 1, timeout: 1000, topicData: [{ topic: "t", partitions: [{ partition: 0, messages: [{ key: "k", value: "hello" }] }] }] }),
    );
    const batch: Uint8Array = kafkaDecode(produceFrame).request.body.topicData[0].partitionData[0].records;
    const frame = kafkaEncode(1, 11, 3, {
      responses: [{ topic: "t", partitions: [{ partitionIndex: 0, highWatermark: 1, lastStableOffset: 1, logStartOffset: 0, records: batch }] }],
    });
    const decoded = await fetchV11Response.decode(payload(frame));
    const messages = decoded.responses[0].partitions[0].messages;
    expect(messages).toHaveLength(1);
    expect(messages[0].value.toString()).toBe("hello");
  });

  it("refuses a field the schema does not have", () => {
    expect(() => kafkaEncode(12, 0, 1, { errorCod: 0 })).toThrow(/errorCod/);
  });

  it("makes error responses", () => {
    const frame = kafkaErrorResponse(12, 1, 4, 27);
    expect([...frame]).toEqual([0, 0, 0, 10, 0, 0, 0, 4, 0, 0, 0, 0, 0, 27]);
  });
});
