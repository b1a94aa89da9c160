/*
 * kafka/ — the Kafka wire protocol, served over WebSockets from `kafdo gateway`.
 *
 * A Worker cannot accept TCP, so the gateway (bin/gateway.mjs) accepts Kafka
 * connections and carries each one over one WebSocket to /kafka: every message is
 * one Kafka frame, size prefix included, or — for a frame over the 1 MiB a Worker
 * takes in one WebSocket message — consecutive pieces of one, joined here again by
 * the size prefix (FrameJoiner). Here the core decodes each
 * request (kafka_codec.c), a handler calls the Durable Objects, and the core
 * encodes the answer. Nothing here knows the wire format.
 *
 *   context.ts       what a handler gets; failures as Kafka error codes
 *   broker.ts        ApiVersions, Metadata, FindCoordinator
 *   produce.ts       Produce, InitProducerId
 *   transactions.ts  InitProducerId with a transactional id, AddPartitionsToTxn,
 *                    AddOffsetsToTxn, EndTxn, DescribeTransactions, ListTransactions
 *   fetch.ts         Fetch (long polling)
 *   list-offsets.ts  ListOffsets
 *   groups.ts        the classic group protocol, offsets, group administration
 *   admin.ts         CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs
 *   delete-records.ts DeleteRecords
 *   admin.ts         CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
 *                    AlterConfigs, IncrementalAlterConfigs
 *   offset-delete.ts OffsetDelete
 *   txn-offset-commit.ts TxnOffsetCommit (a transaction's offsets, pending in the group)
 *   cluster.ts       DescribeCluster, DescribeLogDirs, DescribeProducers, ElectLeaders,
 *                    List/AlterPartitionReassignments
 *   sasl.ts          SaslHandshake, SaslAuthenticate: the connection's principal
 *   users.ts         Describe/AlterUserScramCredentials
 *   acls.ts          DescribeAcls, CreateAcls, DeleteAcls
 *   authorize.ts     every request checked against the ACLs before its handler
 *
 * One connection's requests are answered in order, as a Kafka broker does: clients
 * match answers to requests by order as well as correlation id. Each request starts
 * once the one before it has been answered, as a Kafka broker reads a connection's
 * next request, except after a Produce: once its appends are queued in order
 * (partitions/append-queue.ts) the next request starts, so a client's Produce
 * requests in flight are in flight here too, their appends to one partition kept in
 * order and sent together while an earlier one commits.
 *
 * Errors: a request the core cannot read a header from, or a frame that is not a
 * Kafka frame, closes this connection (code 1008), as Kafka closes a socket it
 * cannot parse; nothing else is touched. An unsupported API or version, or a
 * malformed body, is answered with the Kafka error code (UNSUPPORTED_VERSION,
 * INVALID_REQUEST) and the connection goes on. A handler that fails unexpectedly
 * answers UNKNOWN_SERVER_ERROR.
 */
import { MAX_FRAME, MIN_FRAME } from "../../bin/kafka-frame.mjs";
import { kafkaDecode, kafkaEncode, kafkaErrorResponse, type KafkaRequest } from "../../wasm/kafdo";
import type { Env } from "../durable-objects/bindings";
import { reportDoorStats } from "../api/metrics";
import { metricsEnabled, recordRequest } from "../common/metrics";
import { KafdoError, KafkaCode, errorName } from "../common/errors";
import {
  alterConfigs,
  createPartitions,
  createTopics,
  deleteTopics,
  describeConfigs,
  incrementalAlterConfigs,
} from "./admin";
import { apiVersions, findCoordinator, metadata } from "./broker";
import type { Broker, Handler, KafkaContext } from "./context";
import {
  alterPartitionReassignments,
  describeCluster,
  describeLogDirs,
  describeProducers,
  electLeaders,
  listPartitionReassignments,
} from "./cluster";
import { deleteRecords } from "./delete-records";
import { fetch } from "./fetch";
import { GROUP_HANDLERS } from "./groups";
import { listOffsets } from "./list-offsets";
import { offsetDelete } from "./offset-delete";
import { txnOffsetCommit } from "./txn-offset-commit";
import { initProducerId, produce } from "./produce";
import { alterUserScramCredentials, describeUserScramCredentials } from "./users";
import { SaslSession } from "./sasl";
import { createAclsHandler, deleteAclsHandler, describeAclsHandler } from "./acls";
import { authorizeRequest } from "./authorize";
import { AppendQueue } from "../partitions/append-queue";
import { addOffsetsToTxn, addPartitionsToTxn, describeTransactions, endTxn, listTransactions } from "./transactions";

export const KAFKA_PATH = "/kafka";

const API_VERSIONS = 18;
const PRODUCE_API_KEY = 0;

/* The most requests of one connection started and not yet done: Kafka's clients keep
 * at most 5 in flight by default (max.in.flight.requests.per.connection); this bounds
 * what a client that pipelines without limit holds in the Worker. */
const MAX_IN_FLIGHT = 8;

/* Handlers by API key; the versions each takes are the codec's (kd_kafka_supported). */
const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [PRODUCE_API_KEY, produce],
  [1, fetch],
  [2, listOffsets],
  [3, metadata],
  [10, findCoordinator],
  [API_VERSIONS, apiVersions],
  [19, createTopics],
  [20, deleteTopics],
  [21, deleteRecords],
  [22, initProducerId],
  [24, addPartitionsToTxn],
  [25, addOffsetsToTxn],
  [26, endTxn],
  [28, txnOffsetCommit],
  [65, describeTransactions],
  [66, listTransactions],
  [32, describeConfigs],
  [33, alterConfigs],
  [37, createPartitions],
  [44, incrementalAlterConfigs],
  [35, describeLogDirs],
  [43, electLeaders],
  [45, alterPartitionReassignments],
  [46, listPartitionReassignments],
  [47, offsetDelete],
  [60, describeCluster],
  [61, describeProducers],
  [29, describeAclsHandler],
  [30, createAclsHandler],
  [31, deleteAclsHandler],
  [50, describeUserScramCredentials],
  [51, alterUserScramCredentials],
  ...GROUP_HANDLERS,
]);

/* Close code for bytes that are not Kafka frames (policy violation). */
const CLOSE_NOT_KAFKA = 1008;

/* A frame's whole length, size prefix included, as the gateway's limits (bin/kafka-frame.mjs)
 * allow it: the gateway refuses any other size before sending a byte of it here. */
const MAX_FRAME_BYTES = 4 + MAX_FRAME;
const MIN_FRAME_BYTES = 4 + MIN_FRAME;

/*
 * Joins WebSocket messages into Kafka frames by their size prefix: a message is a
 * whole frame (the usual case, taken without a copy) or a piece of one. Answers
 * the frames completed by each message, or a reason to refuse the connection.
 */
class FrameJoiner {
  private pieces: Uint8Array[] = [];
  private have = 0;
  private need = 0;

  push(message: Uint8Array): Uint8Array[] | string {
    if (this.have === 0 && message.length >= 4 && frameLength(message) === message.length) {
      return this.check(message.length) ?? [message];
    }
    this.pieces.push(message);
    this.have += message.length;
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.need === 0 && this.have >= 4) {
        this.need = frameLength(this.joined(4));
        const refused = this.check(this.need);
        if (refused) return refused;
      }
      if (this.need === 0 || this.have < this.need) return frames;
      const all = this.joined(this.have);
      frames.push(all.slice(0, this.need));
      const rest = all.subarray(this.need);
      this.pieces = rest.length > 0 ? [rest] : [];
      this.have = rest.length;
      this.need = 0;
    }
  }

  private check(length: number): string | undefined {
    if (length < MIN_FRAME_BYTES || length > MAX_FRAME_BYTES) {
      return `a frame of ${length} bytes (Kafdo takes ${MIN_FRAME_BYTES} to ${MAX_FRAME_BYTES})`;
    }
    return undefined;
  }

  /* The first `n` bytes held, as one array (the pieces merged into one). */
  private joined(n: number): Uint8Array {
    if (this.pieces.length > 1) {
      const all = new Uint8Array(this.have);
      let at = 0;
      for (const p of this.pieces) {
        all.set(p, at);
        at += p.length;
      }
      this.pieces = [all];
    }
    return this.pieces[0]!.subarray(0, n);
  }
}

/* A frame's whole length, its 4-byte big-endian size prefix included. */
function frameLength(bytes: Uint8Array): number {
  return 4 + new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, false);
}

/* `host:port` the gateway listens on, as clients should be told in Metadata. */
function brokerOf(url: URL): Broker {
  const advertised = url.searchParams.get("advertise") ?? "";
  const m = /^(.+):(\d{1,5})$/.exec(advertised);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) {
    throw new KafdoError(
      KafkaCode.INVALID_REQUEST,
      "the Kafka endpoint takes ?advertise=<host>:<port>, the gateway's address for clients",
    );
  }
  return { nodeId: 0, host: m[1]!.replace(/^\[(.*)\]$/, "$1"), port };
}

/* Whether the request asks for the WebSocket upgrade /kafka takes. */
export function isKafkaUpgrade(request: Request): boolean {
  return request.method === "GET" && request.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/*
 * Accepts the WebSocket of GET /kafka: the gateway's connection, whose Kafka
 * requests are answered from here on. The HTTP side of the upgrade (the bearer
 * token, the upgrade itself, errors in the REST API's shape) is the top's
 * (worker/index.ts), as for every HTTP request. INVALID_REQUEST without a valid
 * ?advertise=<host>:<port>.
 */
export function acceptKafka(env: Env, url: URL): Response {
  const ctx: KafkaContext = { env, broker: brokerOf(url), appends: new AppendQueue(env) };
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  new KafkaConnection(server, ctx);
  return new Response(null, { status: 101, webSocket: client });
}

/* What one request comes to: a frame to send, then maybe the connection's end. */
type Outcome = { frame?: Uint8Array | null; close?: string };

class KafkaConnection {
  /* When the next request may start: when the last has been answered, or sooner when
   * its handler lets it (KafkaContext.nextMayStart). */
  private startable: Promise<void> = Promise.resolve();
  /* When the last request's answer has gone: answers go in the requests' order. */
  private answered: Promise<void> = Promise.resolve();
  /* When every request taken so far has its outcome. */
  private settled: Promise<unknown> = Promise.resolve();
  /* The last requests' ends, oldest first (at most MAX_IN_FLIGHT - 1 kept). */
  private readonly recent: Promise<void>[] = [];
  private open = true;
  /* A request's outcome ends the connection: the requests after it are not started. */
  private ending = false;
  private readonly joiner = new FrameJoiner();
  private readonly sasl: SaslSession;

  constructor(
    private readonly socket: WebSocket,
    private readonly ctx: KafkaContext,
  ) {
    this.sasl = new SaslSession(ctx);
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", () => this.end());
    socket.addEventListener("error", () => this.end());
  }

  private receive(data: string | ArrayBuffer): void {
    if (!this.open) return;
    if (typeof data === "string") return this.refuse("a Kafka frame is binary, not text");
    const frames = this.joiner.push(new Uint8Array(data));
    if (typeof frames === "string") return this.refuse(frames);
    for (const frame of frames) this.take(frame);
  }

  /* Starts the frame's request in its turn and sends its answer in its place. */
  private take(frame: Uint8Array): void {
    let nextMayStart!: () => void;
    const released = new Promise<void>((resolve) => (nextMayStart = resolve));
    const earlier = this.settled;
    const outcome = this.startable.then(async (): Promise<Outcome> => {
      if (this.ending) return {};
      const o = await this.answer(frame, nextMayStart, earlier);
      /* Nothing after a request that ends the connection is started. */
      if (o.close) this.ending = true;
      return o;
    });
    /* At most MAX_IN_FLIGHT started and not done: the next also waits for the outcome of
     * the request MAX_IN_FLIGHT - 1 before this one. */
    const done = outcome.then(() => undefined);
    this.recent.push(done);
    const oldest = this.recent.length >= MAX_IN_FLIGHT ? this.recent.shift() : undefined;
    this.startable = Promise.all([Promise.race([released, done]), oldest]).then(() => undefined);
    this.settled = Promise.all([earlier, outcome]);
    this.answered = Promise.all([this.answered, outcome]).then(([, o]) => this.deliver(o));
  }

  /* The outcome of one request; `earlier` settles when every request before it has its
   * outcome. Never rejects. */
  private async answer(frame: Uint8Array, nextMayStart: () => void, earlier: Promise<unknown>): Promise<Outcome> {
    if (!this.open) return {};
    try {
      if (this.sasl.awaitingRawToken) return await this.sasl.rawToken(frame);
      let decoded: ReturnType<typeof kafkaDecode>;
      try {
        decoded = kafkaDecode(frame);
      } catch (e) {
        return { close: `not a Kafka request: ${e instanceof Error ? e.message : String(e)}` };
      }
      /* A request starts early only behind a Produce; only a Produce may run beside
       * one (its appends queue behind the earlier ones). Anything else sees every
       * earlier request done, as if they had been answered one at a time. */
      if (decoded.request.apiKey !== PRODUCE_API_KEY) await earlier;
      const authentication = await this.sasl.intercept(decoded.request, decoded.error);
      if (authentication) return authentication;
      return { frame: await respondCounted({ ...this.ctx, nextMayStart }, decoded.error, decoded.request) };
    } catch (e) {
      return { close: `the request failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  /* A request's answer, in its turn: a frame, then maybe the end of the connection. */
  private deliver({ frame, close }: Outcome): void {
    if (frame && this.open) this.socket.send(frame);
    if (close) this.refuse(close);
  }

  private refuse(reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.socket.close(CLOSE_NOT_KAFKA, reason.slice(0, 120));
  }

  private end(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.socket.close();
    } catch {
      /* already closed */
    }
  }
}

/* An API's name for /metrics: its handler's ("listOffsets" → "ListOffsets"). */
function apiName(apiKey: number): string {
  const name = HANDLERS.get(apiKey)?.name;
  return name ? name[0]!.toUpperCase() + name.slice(1) : `ApiKey${apiKey}`;
}

/* respond(), counted for /metrics: the API, its time, and the error of a refused
 * request or the top-level error code of an answer. */
async function respondCounted(ctx: KafkaContext, error: number, req: KafkaRequest): Promise<Uint8Array | null> {
  if (!metricsEnabled(ctx.env)) return respond(ctx, error, req);
  const started = Date.now();
  const outcome = { code: error };
  try {
    return await respond(ctx, error, req, outcome);
  } finally {
    recordRequest(
      "kafka",
      apiName(req.apiKey),
      Date.now() - started,
      outcome.code ? errorName(outcome.code) : undefined,
    );
    void reportDoorStats(ctx.env);
  }
}

/* The response frame to one decoded request, or null when it takes none. */
async function respond(
  ctx: KafkaContext,
  error: number,
  req: KafkaRequest,
  outcome: { code: number } = { code: 0 },
): Promise<Uint8Array | null> {
  const { apiKey, apiVersion, correlationId } = req;
  const handler = HANDLERS.get(apiKey);
  if (error !== 0 || !handler) {
    outcome.code = error || KafkaCode.UNSUPPORTED_VERSION;
    return kafkaErrorResponse(apiKey, apiVersion, correlationId, outcome.code);
  }
  try {
    const gate = await authorizeRequest(ctx, req);
    if (gate.deny !== undefined && !gate.complete) {
      outcome.code = gate.deny;
      return kafkaErrorResponse(apiKey, apiVersion, correlationId, gate.deny);
    }
    const handled = gate.deny === undefined ? await handler(ctx, gate.request) : null;
    const body = gate.complete ? await gate.complete(handled) : handled;
    const code = (body as { errorCode?: unknown } | null)?.errorCode;
    if (typeof code === "number" && code !== 0) outcome.code = code;
    return body === null ? null : kafkaEncode(apiKey, apiVersion, correlationId, body);
  } catch (e) {
    console.error(`kafka: api ${apiKey} v${apiVersion} failed:`, e);
    outcome.code = KafkaCode.UNKNOWN_SERVER_ERROR;
    return kafkaErrorResponse(apiKey, apiVersion, correlationId, KafkaCode.UNKNOWN_SERVER_ERROR);
  }
}
