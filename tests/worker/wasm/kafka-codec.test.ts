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
    const body = request.body as any; /* the decoded Produce v7 body this test checks */
    expect(body.acks).toBe(-1);
    expect(body.transactionalId).toBeNull();
    const partition = body.topicData[0].partitionData[0];
    expect(body.topicData[0].name).toBe("orders");
    expect(partition.index).toBe(1);
    expect(partition.records).toBeInstanceOf(Uint8Array);
    expect(partition.records.buffer).toBe(frame.buffer);
    expect(partition.records[16]).toBe(2); /* RecordBatch magic */
  });

  it("answers UNSUPPORTED_VERSION and INVALID_REQUEST with the header, and throws on garbage", () => {
    const v12 = new Uint8Array([0, 0, 0, 10, 0, 0, 0, 12, 0, 0, 0, 5, 0xff, 0xff]);
    expect(kafkaDecode(v12)).toEqual({
      error: 35,
      request: { apiKey: 0, apiVersion: 12, correlationId: 5, clientId: null, body: null },
    });
    const truncated = new Uint8Array([0, 0, 0, 12, 0, 12, 0, 0, 0, 0, 0, 6, 0xff, 0xff, 0, 1]);
    expect(kafkaDecode(truncated).error).toBe(42);
    expect(() => kafkaDecode(new Uint8Array([0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(KafdoError);
  });
});

/* A flexible request frame: size, key, version, correlation id 5, client id "c",
 * the header's tagged fields, then the body's bytes (hex). */
function flexibleFrame(apiKey: number, apiVersion: number, bodyHex: string): Uint8Array {
  const body = Buffer.from(bodyHex.replace(/ /g, ""), "hex");
  const frame = Buffer.alloc(4 + 12 + body.length);
  frame.writeInt32BE(frame.length - 4, 0);
  frame.writeInt16BE(apiKey, 4);
  frame.writeInt16BE(apiVersion, 6);
  frame.writeInt32BE(5, 8);
  Buffer.from("000163" + "00", "hex").copy(frame, 12);
  body.copy(frame, 16);
  return new Uint8Array(frame);
}

describe("the remaining APIs at their newest versions", () => {
  it("are offered: Produce 11, ListOffsets 6, FindCoordinator 5, DescribeGroups 5, ListGroups 5, ApiVersions 4, CreateTopics 7, DeleteTopics 6, InitProducerId 5, DescribeConfigs 4, CreatePartitions 3", () => {
    const max = new Map(kafkaSupported().map((a: { apiKey: number; maxVersion: number }) => [a.apiKey, a.maxVersion]));
    const want: [number, number][] = [
      [0, 11],
      [2, 6],
      [10, 5],
      [15, 5],
      [16, 5],
      [18, 4],
      [19, 7],
      [20, 6],
      [22, 5],
      [32, 4],
      [37, 3],
    ];
    expect(want.map(([key]) => [key, max.get(key)])).toEqual(want);
  });

  it("decodes CreateTopics v7, DeleteTopics v6 (a topic by id) and FindCoordinator v4 (several keys)", () => {
    const create = kafkaDecode(
      /* topics [ "t", 2 partitions, replication -1, assignments [], configs [ retention.ms=600 ] ], 30 s, validate only */
      flexibleFrame(19, 7, "02 0274 00000002 ffff 01 02 0d726574656e74696f6e2e6d73 04363030 00 00 00007530 01 00"),
    );
    expect(create.error).toBe(0);
    expect(create.request.body).toEqual({
      topics: [
        {
          name: "t",
          numPartitions: 2,
          replicationFactor: -1,
          assignments: [],
          configs: [{ name: "retention.ms", value: "600" }],
        },
      ],
      timeoutMs: 30000,
      validateOnly: true,
    });
    const id = "000102030405060708090a0b0c0d0e0f";
    const del = kafkaDecode(flexibleFrame(20, 6, `03 00 ${id} 00 0274 ${"0".repeat(32)} 00 00007530 00`));
    expect(del.error).toBe(0);
    expect((del.request.body as any).topics).toEqual([
      { name: null, topicId: id },
      { name: "t", topicId: "0".repeat(32) },
    ]);
    const find = kafkaDecode(flexibleFrame(10, 4, "00 03 036731 036732 00"));
    expect(find.error).toBe(0);
    expect(find.request.body).toMatchObject({ keyType: 0, coordinatorKeys: ["g1", "g2"] });
  });

  it("encodes CreateTopics v7's description of the topic made and FindCoordinator v4's coordinators", () => {
    const created = kafkaEncode(19, 7, 5, {
      throttleTimeMs: 0,
      topics: [
        {
          name: "t",
          topicId: "000102030405060708090a0b0c0d0e0f",
          errorCode: 0,
          errorMessage: null,
          numPartitions: 2,
          replicationFactor: 1,
          configs: [{ name: "a", value: "b", readOnly: false, configSource: 5, isSensitive: false }],
        },
      ],
    });
    expect(Buffer.from(created).toString("hex")).toBe(
      "00000030" +
        "00000005" +
        "00" +
        "00000000" +
        "02" +
        "0274" +
        "000102030405060708090a0b0c0d0e0f" +
        "0000" +
        "00" +
        "00000002" +
        "0001" +
        "02" +
        "0261" +
        "0262" +
        "00" +
        "05" +
        "00" +
        "00" +
        "00" +
        "00",
    );
    const found = kafkaEncode(10, 4, 5, {
      throttleTimeMs: 0,
      coordinators: [{ key: "g1", nodeId: 0, host: "h", port: 9092, errorCode: 0, errorMessage: null }],
    });
    expect(Buffer.from(found).toString("hex")).toBe(
      "0000001c" +
        "00000005" +
        "00" +
        "00000000" +
        "02" +
        "036731" +
        "00000000" +
        "0268" +
        "00002384" +
        "0000" +
        "00" +
        "00" +
        "00",
    );
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
    expect(decoded.topicMetadata[0].partitionMetadata[0]).toMatchObject({
      partitionId: 0,
      leader: 0,
      replicas: [0],
      isr: [0],
    });
  });

  it("encodes ApiVersions from kafkaSupported, and Produce with int64 as bigint", async () => {
    const supported = kafkaSupported();
    expect(supported[0]).toEqual({ apiKey: 0, minVersion: 0, maxVersion: 11 });
    const av = await apiVersionsV2Response.decode(payload(kafkaEncode(18, 2, 1, { errorCode: 0, apiKeys: supported })));
    expect(av.apiVersions).toHaveLength(supported.length);
    const produced = await produceV7Response.decode(
      payload(
        kafkaEncode(0, 7, 2, {
          responses: [{ name: "orders", partitionResponses: [{ index: 1, errorCode: 0, baseOffset: 2n ** 60n }] }],
        }),
      ),
    );
    expect(produced.topics[0].partitions[0]).toMatchObject({
      partition: 1,
      errorCode: 0,
      baseOffset: "1152921504606846976",
    });
  });

  it("copies a Uint8Array into its hole: a Fetch v11 response kafkajs decodes", async () => {
    const produceFrame = await kafkajsFrame(
      produceV7({
        acks: 1,
        timeout: 1000,
        topicData: [{ topic: "t", partitions: [{ partition: 0, messages: [{ key: "k", value: "hello" }] }] }],
      }),
    );
    const batch: Uint8Array = (kafkaDecode(produceFrame).request.body as any).topicData[0].partitionData[0].records;
    const frame = kafkaEncode(1, 11, 3, {
      responses: [
        {
          topic: "t",
          partitions: [{ partitionIndex: 0, highWatermark: 1, lastStableOffset: 1, logStartOffset: 0, records: batch }],
        },
      ],
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
