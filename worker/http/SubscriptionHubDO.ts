/*
 * SubscriptionHubDO — one topic's WebSocket subscribers, held so that an idle one costs
 * nothing: the sockets are accepted with the Hibernation API (ctx.acceptWebSocket), so
 * between records the object may be evicted from memory while the connections stay open.
 * One per topic id (durable-objects/addressing.ts hubStub).
 *
 * The Worker's route (handlers/subscribe.ts) checks the token, the ACLs and where the
 * subscription starts, then forwards the upgrade here with the subscriber's state
 * (SUBSCRIBER_HEADER). Each socket is tagged by the partitions it reads and carries that
 * state in its attachment (subscriber-state.ts): the next offset per partition and, with
 * ?ack=true, the bytes sent and not acknowledged. Nothing else needs to live in memory.
 *
 * A partition with subscribers here is watched (durable-objects/hub-watch.ts): after a
 * commit that stored records it calls appended(partition), and the hub reads from each
 * subscriber's position with the partition's own read (the core's; one read serves every
 * subscriber at the same offset) and sends. One delivery runs per partition at a time,
 * so a partition's records go out in offset order. A subscriber whose buffer stays full
 * for SLOW_SUBSCRIBER_MS is told SLOW_SUBSCRIBER and closed (4429) by the alarm. When a
 * partition's last socket goes, it is no longer watched. No call waits on a partition
 * while nothing is appended: an idle subscription holds nothing open but its socket.
 */
import { DurableObject } from "cloudflare:workers";
import { KafdoError } from "../common/errors";
import type { ReadResult } from "../common/records";
import { partitionStub } from "../durable-objects/addressing";
import type { Env } from "../durable-objects/bindings";
import type { SubscriptionHubRpc } from "../durable-objects/interfaces";
import { SLOW_SUBSCRIBER_MS } from "../subscriptions/follow";
import {
  acknowledge,
  hasRoom,
  nextOffset,
  partitionsOf,
  recordSent,
  setNextOffset,
  SUBSCRIBER_HEADER,
  type Subscriber,
} from "./subscriber-state";
import { SUBSCRIBE_PROTOCOL } from "./subscribe-token";
import { answeringCloseCode, closeCode, errorJson, recordJson } from "./subscription-messages";

/* One read's bounds, as the Worker-held loops' (subscriptions/follow.ts). */
const READ_RECORDS = 500;
const READ_BYTES = 256 * 1024;

/* This hub's topic id (its name), for a notification that finds no subscriber. */
const TOPIC_ID_KEY = "topic-id";

const tagOf = (partition: number): string => `p${partition}`;

export class SubscriptionHubDO extends DurableObject<Env> implements SubscriptionHubRpc {
  /* Per partition, whether a delivery runs and whether another was asked for meanwhile. */
  private readonly deliveries = new Map<number, { again: boolean; done: Promise<void> }>();

  /* The upgrade, forwarded by the Worker's route with the subscriber in SUBSCRIBER_HEADER. */
  override async fetch(request: Request): Promise<Response> {
    const header = request.headers.get(SUBSCRIBER_HEADER);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || header === null) {
      return new Response("a subscription hub takes WebSocket upgrades from the Worker's route", { status: 400 });
    }
    const { protocol, ...subscriber } = JSON.parse(header) as Subscriber & { protocol: boolean };
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, partitionsOf(subscriber).map(tagOf));
    server.serializeAttachment(subscriber);
    this.ctx.storage.kv.put(TOPIC_ID_KEY, subscriber.topicId);
    try {
      /* Watched before the first read, so no append between the two goes unnoticed. */
      await Promise.all(partitionsOf(subscriber).map((p) => this.#watch(subscriber.topicId, p, true)));
      for (const p of partitionsOf(subscriber)) void this.#deliver(p);
    } catch (e) {
      /* The topic deleted since the route looked: told in-band, as during delivery. */
      const known = KafdoError.from(e);
      this.#drop(server, subscriber, known ? known.name : "UNKNOWN_SERVER_ERROR", known ? known.message : String(e));
      await this.#gone(server);
    }
    const headers: Record<string, string> = protocol ? { "sec-websocket-protocol": SUBSCRIBE_PROTOCOL } : {};
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /* A watched partition stored records: send them to its subscribers. */
  async appended(partition: number): Promise<void> {
    if (this.#open(partition).length === 0) {
      /* Its last subscriber went while the flag was being set: stop the notifications. */
      const topicId = this.ctx.storage.kv.get<string>(TOPIC_ID_KEY);
      if (topicId !== undefined) await this.#watch(topicId, partition, false);
      return;
    }
    await this.#deliver(partition);
  }

  /* An acknowledgement ({"ack":"partition:offset,..."}); anything else is a malformed one. */
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    const s = ws.deserializeAttachment() as Subscriber;
    if (s.closed || !s.ack) return;
    try {
      const ack = (JSON.parse(typeof message === "string" ? message : "") as { ack?: unknown }).ack;
      if (typeof ack !== "string") throw new Error("no ack");
      acknowledge(s, ack);
    } catch {
      this.#drop(
        ws,
        s,
        "INVALID_REQUEST",
        'a subscriber\'s message is {"ack":"partition:offset,..."}, the last offsets it took',
      );
      return;
    }
    if (hasRoom(s)) s.fullSince = 0;
    ws.serializeAttachment(s);
    if (hasRoom(s)) for (const p of partitionsOf(s)) void this.#deliver(p);
  }

  /* The subscriber closed: answer its close (workerd does not, at this compatibility
   * date, and its side would wait for the handshake until the connection drops). */
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const s = ws.deserializeAttachment() as Subscriber | null;
    if (!s?.closed) {
      try {
        ws.close(answeringCloseCode(code));
      } catch {
        /* Already closed. */
      }
    }
    await this.#gone(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.#gone(ws);
  }

  /* Slow subscribers: each buffer full for SLOW_SUBSCRIBER_MS is dropped; the next
   * alarm is for the earliest buffer still full. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    let next = Infinity;
    for (const ws of this.ctx.getWebSockets()) {
      const s = ws.deserializeAttachment() as Subscriber | null;
      if (!s || s.closed || s.fullSince === 0) continue;
      if (now - s.fullSince >= SLOW_SUBSCRIBER_MS) {
        this.#drop(
          ws,
          s,
          "SLOW_SUBSCRIBER",
          `the subscriber did not take its records for ${SLOW_SUBSCRIBER_MS} ms; its buffer is full`,
        );
        await this.#gone(ws);
      } else next = Math.min(next, s.fullSince + SLOW_SUBSCRIBER_MS);
    }
    if (next !== Infinity) await this.ctx.storage.setAlarm(next);
  }

  /* The open sockets reading `partition`. */
  #open(partition: number): WebSocket[] {
    return this.ctx
      .getWebSockets(tagOf(partition))
      .filter((ws) => !(ws.deserializeAttachment() as Subscriber | null)?.closed);
  }

  /* Runs a delivery of `partition`, or asks the running one to go again. */
  #deliver(partition: number): Promise<void> {
    const running = this.deliveries.get(partition);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: true, done: Promise.resolve() };
    state.done = (async () => {
      try {
        while (state.again) {
          state.again = false;
          await this.#deliverOnce(partition, state);
        }
      } finally {
        this.deliveries.delete(partition);
      }
    })();
    this.deliveries.set(partition, state);
    return state.done;
  }

  /* One read per offset the partition's subscribers with room are at, each sent to them.
   * A read that did not reach the end of the log asks for another round. */
  async #deliverOnce(partition: number, state: { again: boolean }): Promise<void> {
    const at = new Map<number, WebSocket[]>();
    let topicId: string | undefined;
    for (const ws of this.#open(partition)) {
      const s = ws.deserializeAttachment() as Subscriber;
      const offset = nextOffset(s, partition);
      if (offset === undefined || !hasRoom(s)) continue;
      topicId = s.topicId;
      at.set(offset, [...(at.get(offset) ?? []), ws]);
    }
    if (topicId === undefined) return;
    for (const [offset, sockets] of at) {
      let read: ReadResult;
      try {
        read = await partitionStub(this.env, topicId, partition).read(offset, READ_RECORDS, READ_BYTES);
      } catch (e) {
        /* Records removed under the subscriber (retention, DeleteRecords), a topic deleted: told, then closed. */
        const known = KafdoError.from(e);
        for (const ws of sockets) {
          const s = ws.deserializeAttachment() as Subscriber;
          this.#drop(ws, s, known ? known.name : "UNKNOWN_SERVER_ERROR", known ? known.message : String(e));
          await this.#gone(ws);
        }
        continue;
      }
      for (const ws of sockets) this.#send(ws, partition, offset, read);
      if ((read.nextOffset ?? offset) < read.highWatermark && read.records.length > 0) state.again = true;
    }
  }

  /* Sends what `read` (from `offset`) holds to one subscriber, while its buffer has room
   * (an ack starts the next delivery once it has room again). */
  #send(ws: WebSocket, partition: number, offset: number, read: ReadResult): void {
    /* Read again now: an ack or a drop may have come while the read was out. */
    const s = ws.deserializeAttachment() as Subscriber | null;
    if (!s || s.closed || nextOffset(s, partition) !== offset) return;
    let next = offset;
    let stopped = false;
    try {
      for (const r of read.records) {
        if (!hasRoom(s)) {
          stopped = true;
          break;
        }
        const text = recordJson(s.topic, partition, r);
        ws.send(text);
        recordSent(s, partition, r.offset, text.length);
        next = r.offset + 1;
      }
    } catch {
      /* The socket closed under us: webSocketClose cleans up. */
      return;
    }
    /* Past what the read skipped (transaction markers, aborted records) when all was sent. */
    if (!stopped) next = Math.max(next, read.nextOffset ?? next);
    setNextOffset(s, partition, next);
    if (!hasRoom(s) && s.fullSince === 0) {
      s.fullSince = Date.now();
      void this.#alarmBy(s.fullSince + SLOW_SUBSCRIBER_MS);
    }
    ws.serializeAttachment(s);
  }

  async #alarmBy(at: number): Promise<void> {
    const set = await this.ctx.storage.getAlarm();
    if (set === null || set > at) await this.ctx.storage.setAlarm(at);
  }

  /* Tells the subscriber why it is dropped, and closes. */
  #drop(ws: WebSocket, s: Subscriber, code: string, message: string): void {
    if (s.closed) return;
    s.closed = true;
    ws.serializeAttachment(s);
    try {
      ws.send(errorJson(code, message));
      ws.close(closeCode(code), code);
    } catch {
      /* The subscriber closed first: nobody to tell. */
    }
  }

  /* A socket went: each partition it read that has no other socket is no longer watched. */
  async #gone(ws: WebSocket): Promise<void> {
    const s = ws.deserializeAttachment() as Subscriber | null;
    if (!s) return;
    if (!s.closed) {
      s.closed = true;
      ws.serializeAttachment(s);
    }
    await Promise.all(
      partitionsOf(s)
        .filter((p) => this.#open(p).length === 0)
        .map((p) => this.#watch(s.topicId, p, false)),
    );
  }

  /* Sets the partition's watched flag; an unwatch that races a new subscriber watches again. */
  async #watch(topicId: string, partition: number, watched: boolean): Promise<void> {
    try {
      await partitionStub(this.env, topicId, partition).watch(topicId, partition, watched);
      if (!watched && this.#open(partition).length > 0) {
        await partitionStub(this.env, topicId, partition).watch(topicId, partition, true);
      }
    } catch (e) {
      /* A topic deleted: its partitions refuse; nothing left to watch. */
      if (watched) throw e;
    }
  }
}
