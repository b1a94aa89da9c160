/*
 * follow.ts — a subscription's delivery: one loop per partition, each a long poll on
 * the partition (api/read.ts readPartitionWait, the partition object's readWait),
 * which answers as soon as an append lands, so records reach the subscriber within
 * milliseconds of their produce being acknowledged, with no notification system of
 * its own: the log is the buffer, and producers never wait for a subscriber.
 *
 * The sink is the transport (a WebSocket, an event stream). Before each read a loop
 * waits for the sink to have room (its bounded buffer); a sink that stays full for
 * SLOW_SUBSCRIBER_MS is a slow subscriber: it is told (sink.drop) and the
 * subscription ends. Records of one partition are delivered in offset order; the
 * partitions' loops interleave.
 */
import { readPartitionWait } from "../api/read";
import { KafdoError } from "../common/errors";
import type { ConsumerRecord } from "../common/records";
import type { Env } from "../durable-objects/bindings";
import type { Positions } from "./positions";

/* How long one long poll is held (a subscriber that left is noticed by then). */
export const POLL_WAIT_MS = 20_000;
/* How long a full buffer may stay full before its subscriber is dropped. */
export const SLOW_SUBSCRIBER_MS = 2_000;
/* One read's bounds. */
const READ_RECORDS = 500;
const READ_BYTES = 256 * 1024;

export interface Sink {
  /* Whether the subscriber is gone (the loops stop). */
  readonly closed: boolean;
  /* Resolves true once the buffer has room, false when it stayed full for `ms`. */
  room(ms: number): Promise<boolean>;
  /* Delivers records of `partition`; `positions` already counts them. */
  deliver(partition: number, records: ConsumerRecord[], positions: Positions): void;
  /* Tells the subscriber why it is dropped, and closes. */
  drop(code: string, message: string): void;
}

export async function follow(env: Env, topic: string, positions: Positions, sink: Sink): Promise<void> {
  await Promise.all([...positions.keys()].map((p) => followPartition(env, topic, p, positions, sink)));
}

async function followPartition(env: Env, topic: string, partition: number, positions: Positions, sink: Sink) {
  while (!sink.closed) {
    if (!(await sink.room(SLOW_SUBSCRIBER_MS))) {
      sink.drop(
        "SLOW_SUBSCRIBER",
        `the subscriber did not take its records for ${SLOW_SUBSCRIBER_MS} ms; its buffer is full`,
      );
      return;
    }
    if (sink.closed) return;
    let records: ConsumerRecord[];
    try {
      const offset = positions.get(partition)!;
      ({ records } = await readPartitionWait(
        env,
        topic,
        partition,
        { offset, limit: READ_RECORDS, maxBytes: READ_BYTES },
        POLL_WAIT_MS,
      ));
    } catch (e) {
      /* Records removed under the subscriber (retention, DeleteRecords), a topic deleted: told, then closed. */
      const known = KafdoError.from(e);
      sink.drop(known ? known.name : "UNKNOWN_SERVER_ERROR", known ? known.message : String(e));
      return;
    }
    if (sink.closed) return;
    const last = records[records.length - 1];
    if (last) {
      positions.set(partition, last.offset + 1);
      try {
        sink.deliver(partition, records, positions);
      } catch {
        /* The transport closed under us (a send on a closed socket, a cancelled stream). */
        return;
      }
    }
  }
}
