/*
 * subscribe.ts — real-time subscriptions: GET /topics/:topic/subscribe, and the spec's
 * GET /events?topic=orders, as a WebSocket (an Upgrade request) or as Server-Sent
 * Events (Accept: text/event-stream). Records are delivered as they are appended
 * (subscriptions/follow.ts), each as the JSON of a read's message with its topic and
 * partition: one WebSocket text message, or one `record` event whose id is the
 * resumption cursor after it ("partition:offset,..."; an EventSource sends it back as
 * Last-Event-ID when it reconnects; a WebSocket client passes it as ?from=).
 *
 * Where to start (subscriptions/positions.ts) is checked before the upgrade or the
 * stream: 400, 404, 416 in the one error shape. After that, an error is told in-band
 * ({"error":{"code","message"}} as a message / an `error` event) and the connection
 * closed; a slow subscriber (its buffer of bufferBytes stayed full for 2 s) is told
 * SLOW_SUBSCRIBER and dropped, WebSocket close code 4429. An event stream's buffer is
 * its ReadableStream's queue; a WebSocket's is bounded only with ?ack=true (the
 * subscriber acknowledges what it took, subscriptions/unacknowledged.ts), since
 * workerd does not count what a WebSocket has not sent yet.
 *
 * Who holds a connection. A WebSocket goes to its topic's hub (SubscriptionHubDO.ts)
 * when the Worker binds SUBSCRIPTION_HUB: this route checks the token, the ACLs and the
 * start, then forwards the upgrade with the subscriber's state; the hub accepts the socket
 * with the Hibernation API (tagged by partition; positions, acks and buffer in its
 * attachment), and the partitions it watches tell it after each commit that stored records
 * (durable-objects/hub-watch.ts), so an idle subscriber costs nothing: no invocation, no
 * call held on a partition. Otherwise the Worker holds the connection itself
 * (subscriptions/follow.ts): the wait for records is the partition object's long poll
 * (readWait, re-issued every 20 s), one held invocation and one pending call per
 * partition. The record leaves the partition through the same output gate as its
 * produce's answer either way, so delivery adds no wait of its own beyond a hop.
 *
 * An event stream always stays with the Worker (a streaming response cannot hibernate),
 * and so, for now, does a WebSocket with ?ack=true, though the hub implements acks and
 * the slow-subscriber alarm (tests/worker/subscriptions/hub.test.ts): in workerd
 * (1.20261023, wrangler dev) a hibernatable socket that the server closes before the
 * client ever sent a frame has its TCP connection closed only ~10 s later, when the client
 * gives up waiting, and a silent slow subscriber is exactly that (its 4429 close would
 * come 10 s late; tests/e2e/subscribe.test.mjs wants it within 5 s).
 */
import { KafdoError, KafkaCode } from "../../common/errors";
import { follow, type Sink } from "../../subscriptions/follow";
import { formatCursor, startPositions, type Positions } from "../../subscriptions/positions";
import { Unacknowledged } from "../../subscriptions/unacknowledged";
import { hubStub } from "../../durable-objects/addressing";
import { topicFor } from "../../partitions/topics";
import { endpoint } from "../endpoint";
import { HttpError } from "../errors";
import { TopicParam } from "../parameters";
import { NotFound, OffsetOutOfRange, type Refusal } from "../responses";
import type { Context } from "../router";
import { INT32_MAX, Natural, StringEnum, Type } from "../schema";
import { MAX_HUB_PARTITIONS, newSubscriber, SUBSCRIBER_HEADER } from "../subscriber-state";
import { SUBSCRIBE_PROTOCOL } from "../subscribe-token";
import { SLOW_CLOSE_CODE, answeringCloseCode, closeCode, errorJson, recordJson } from "../subscription-messages";

export const DEFAULT_BUFFER_BYTES = 1 << 20;
const MIN_BUFFER_BYTES = 1024;
const MAX_BUFFER_BYTES = 16 << 20;
const UpgradeRequired: Refusal = {
  status: 426,
  name: "UpgradeRequired",
  description: "UPGRADE_REQUIRED: neither a WebSocket upgrade nor Accept: text/event-stream.",
};

const subscriptionQuery = {
  partition: Type.Integer({ minimum: 0, maximum: INT32_MAX, description: "Only this partition. Default: all." }),
  offset: Natural({ description: "Start at this offset (in each partition read). Default: now (the high watermark)." }),
  timestamp: Natural({
    description: "Instead of offset: from the first record at or after this time (ms since the epoch).",
  }),
  from: Type.String({
    description:
      'Resume: "partition:offset,..." — each the last offset seen (an SSE event\'s id). The SSE ' +
      "Last-Event-ID header does the same. Partitions it does not name start as offset/timestamp say.",
  }),
  ack: StringEnum(["true", "false"], {
    description:
      'WebSocket flow control: the subscriber sends {"ack":"partition:offset,..."} as it takes records, and ' +
      "bufferBytes bounds what is sent and not acknowledged. Without it a WebSocket's buffer is not bounded " +
      "(workerd cannot tell what a WebSocket has not yet sent). Event streams are always bounded.",
  }),
  bufferBytes: Type.Integer({
    minimum: MIN_BUFFER_BYTES,
    maximum: MAX_BUFFER_BYTES,
    description: `The subscriber's buffer. Full for 2 s: dropped (SLOW_SUBSCRIBER). Default ${DEFAULT_BUFFER_BYTES}.`,
  }),
  access_token: Type.String({
    description:
      "The bearer token, for a browser's EventSource, which cannot send headers. It may land in logs: " +
      "prefer the Authorization header, or for a WebSocket the subprotocol kafdo.bearer.<token>.",
  }),
};

const description =
  "Records as they are appended, from `offset`, `timestamp` or now. As a WebSocket (an Upgrade " +
  "request; subprotocol `kafdo`) each record is one text message; as Server-Sent Events " +
  "(Accept: text/event-stream) each is a `record` event whose id is the resumption cursor. Bad " +
  'starts are refused before the upgrade. In-band errors: {"error":{code,message}} then close ' +
  `(a slow subscriber: SLOW_SUBSCRIBER, WebSocket close code ${SLOW_CLOSE_CODE}).`;

const responses = {
  101: { description: "Switching to a WebSocket of records." },
  200: { description: "An event stream of records.", schema: Type.String(), mediaType: "text/event-stream" },
};

type Query = Partial<{
  partition: number;
  offset: number;
  timestamp: number;
  from: string;
  bufferBytes: number;
  ack: "true" | "false";
}>;

export const subscribe = endpoint({
  summary: "Subscribe to a topic (WebSocket or Server-Sent Events)",
  description,
  tags: ["consume"],
  params: { topic: TopicParam },
  query: subscriptionQuery,
  responses,
  errors: [NotFound, OffsetOutOfRange, UpgradeRequired],
  handle: (c, { params: { topic }, query }) => subscription(c, topic, query),
});

export const events = endpoint({
  summary: "Subscribe to a topic named in the query (the spec's /events?topic=)",
  description: `As GET /topics/{topic}/subscribe. ${description}`,
  tags: ["consume"],
  query: { topic: Type.String({ description: "The topic." }), ...subscriptionQuery },
  responses,
  errors: [NotFound, OffsetOutOfRange, UpgradeRequired],
  handle(c, { query }) {
    if (query.topic === undefined)
      throw new KafdoError(KafkaCode.INVALID_REQUEST, 'query parameter "topic" is required');
    return subscription(c, query.topic, query);
  },
});

async function subscription(c: Context, topic: string, query: Query): Promise<Response> {
  const webSocket = c.request.headers.get("upgrade")?.toLowerCase() === "websocket";
  const eventStream = (c.request.headers.get("accept") ?? "").includes("text/event-stream");
  if (!webSocket && !eventStream) {
    throw new HttpError("UPGRADE_REQUIRED", "subscribe with a WebSocket upgrade or Accept: text/event-stream", {
      upgrade: "websocket",
    });
  }
  const cursor = query.from ?? (webSocket ? undefined : (c.request.headers.get("last-event-id") ?? undefined));
  const positions = await startPositions(c.env, topic, {
    ...(query.partition !== undefined ? { partition: query.partition } : {}),
    ...(query.offset !== undefined ? { offset: query.offset } : {}),
    ...(query.timestamp !== undefined ? { timestamp: query.timestamp } : {}),
    ...(cursor !== undefined && cursor !== "" ? { cursor } : {}),
  });
  const bufferBytes = query.bufferBytes ?? DEFAULT_BUFFER_BYTES;
  /* ?ack=true stays with the Worker for now: see the header comment. */
  if (webSocket && c.env.SUBSCRIPTION_HUB && query.ack !== "true" && positions.size <= MAX_HUB_PARTITIONS) {
    return hubSubscription(c, topic, positions, bufferBytes, false);
  }
  return webSocket
    ? webSocketSubscription(c, topic, positions, bufferBytes, query.ack === "true")
    : eventStreamSubscription(c, topic, positions, bufferBytes);
}

/* Resolves true as soon as hasRoom(), false if it stays false for `ms`. */
async function waitForRoom(hasRoom: () => boolean, closed: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!hasRoom()) {
    if (closed()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/* The upgrade, forwarded to the topic's hub (SubscriptionHubDO.ts) with where it starts. */
async function hubSubscription(
  c: Context,
  topic: string,
  positions: Positions,
  bufferBytes: number,
  ack: boolean,
): Promise<Response> {
  const { topicId } = await topicFor(c.env, topic);
  const subscriber = {
    ...newSubscriber(topic, topicId, [...positions], ack, bufferBytes),
    protocol: offersSubscribeProtocol(c.request),
  };
  /* Only what the hub needs: not the token (in the Authorization header or a subprotocol). */
  const headers = { upgrade: "websocket", [SUBSCRIBER_HEADER]: JSON.stringify(subscriber) };
  return hubStub(c.env, topicId)!.fetch(new Request(c.request.url, { headers }));
}

const offersSubscribeProtocol = (request: Request): boolean =>
  (request.headers.get("sec-websocket-protocol") ?? "")
    .split(",")
    .map((p) => p.trim())
    .includes(SUBSCRIBE_PROTOCOL);

function webSocketSubscription(
  c: Context,
  topic: string,
  positions: Positions,
  bufferBytes: number,
  acks: boolean,
): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  let closed = false;
  server.addEventListener("close", (event) => {
    closed = true;
    /* Answer the subscriber's close frame (workerd does not, at this compatibility date),
     * or its side waits for the handshake until the connection drops (code 1006). Its
     * code is echoed when one an endpoint may send (1000, 3000-4999). */
    try {
      server.close(answeringCloseCode(event.code));
    } catch {
      /* Already closed. */
    }
  });
  server.addEventListener("error", () => (closed = true));
  /* With acks, the buffer is what is sent and not acknowledged (unacknowledged.ts);
   * without, workerd's send queue, which it does not let us measure: unbounded. */
  const unacknowledged = new Unacknowledged();
  server.addEventListener("message", (event) => {
    if (!acks) return;
    try {
      const ack = (JSON.parse(String(event.data)) as { ack?: unknown }).ack;
      if (typeof ack !== "string") throw new Error("no ack");
      unacknowledged.acknowledge(ack);
    } catch {
      sink.drop(
        "INVALID_REQUEST",
        'a subscriber\'s message is {"ack":"partition:offset,..."}, the last offsets it took',
      );
    }
  });
  const sink: Sink = {
    get closed() {
      return closed;
    },
    room: (ms) =>
      waitForRoom(
        () => unacknowledged.bytes < bufferBytes,
        () => closed,
        ms,
      ),
    deliver(partition, records) {
      for (const r of records) {
        const text = recordJson(topic, partition, r);
        server.send(text);
        if (acks) unacknowledged.add(partition, r.offset, text.length);
      }
    },
    drop(code, message) {
      if (closed) return;
      closed = true;
      try {
        server.send(errorJson(code, message));
        server.close(closeCode(code), code);
      } catch {
        /* The subscriber closed first: nobody to tell. */
      }
    },
  };
  void follow(c.env, topic, positions, sink);
  const headers: Record<string, string> = offersSubscribeProtocol(c.request)
    ? { "sec-websocket-protocol": SUBSCRIBE_PROTOCOL }
    : {};
  return new Response(null, { status: 101, webSocket: client, headers });
}

function eventStreamSubscription(c: Context, topic: string, positions: Positions, bufferBytes: number): Response {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        /* A comment first, so the stream's headers and first bytes leave at once. */
        c.enqueue(encoder.encode(`: subscribed to ${topic}\n\n`));
      },
      cancel() {
        closed = true;
      },
    },
    { highWaterMark: bufferBytes, size: (chunk) => chunk.byteLength },
  );
  const sink: Sink = {
    get closed() {
      return closed;
    },
    room: (ms) =>
      waitForRoom(
        () => (controller.desiredSize ?? 0) > 0,
        () => closed,
        ms,
      ),
    deliver(partition, records, after) {
      /* Each event's id is the cursor as of that record. */
      const cursor = new Map(after);
      let text = "";
      for (const r of records) {
        cursor.set(partition, r.offset + 1);
        text += `id: ${formatCursor(cursor)}\nevent: record\ndata: ${recordJson(topic, partition, r)}\n\n`;
      }
      controller.enqueue(encoder.encode(text));
    },
    drop(code, message) {
      if (closed) return;
      closed = true;
      try {
        controller.enqueue(encoder.encode(`event: error\ndata: ${errorJson(code, message)}\n\n`));
        controller.close();
      } catch {
        /* The subscriber cancelled first: nobody to tell. */
      }
    },
  };
  void follow(c.env, topic, positions, sink);
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}
