/*
 * subscriber-state.ts — what a hibernatable WebSocket subscriber is (http/SubscriptionHubDO.ts),
 * kept in its socket's attachment so that it survives the hub's hibernation and eviction:
 * where each partition it reads is at, and with ?ack=true its bounded buffer, the bytes
 * sent and not acknowledged (as subscriptions/unacknowledged.ts counts them for a
 * Worker-held socket).
 *
 * An attachment is small (workerd bounds its serialized size), so what was sent and not
 * acknowledged is kept per record only up to MAX_SENT_ENTRIES; past that, the oldest
 * entry is folded into the next of its partition, which an acknowledgement then frees
 * only when it reaches that later offset: the buffer errs toward full, never empty.
 */
import { parseCursor } from "../subscriptions/positions";

/* The header the Worker's route passes a new subscriber to its hub in (JSON). */
export const SUBSCRIBER_HEADER = "x-kafdo-subscriber";

/* The most partitions a hub's subscriber reads: its attachment must stay under workerd's
 * 16 KiB (at worst, with every partition at a 16-digit offset and holding unacknowledged
 * records, 14.1 KiB: tests/worker/subscriptions/hub.test.ts). A subscription of more
 * is held by the Worker. */
export const MAX_HUB_PARTITIONS = 256;

/* Entries of sent-and-not-acknowledged kept one per record before they are folded. */
export const MAX_SENT_ENTRIES = 32;

export interface Subscriber {
  /* The topic's name (each message names it) and id (the hub's and the partitions' name). */
  topic: string;
  topicId: string;
  /* Per partition read: [partition, the next offset to send], in partition order. */
  at: Array<[number, number]>;
  /* Flow control (?ack=true): bufferBytes bounds `unacked`. */
  ack: boolean;
  bufferBytes: number;
  /* Sent and not acknowledged, oldest first: [partition, last offset, bytes]. */
  sent: Array<[number, number, number]>;
  unacked: number;
  /* When the buffer became full (ms since the epoch); 0 while it has room. */
  fullSince: number;
  /* Dropped or closed: nothing more is sent. */
  closed: boolean;
}

export function newSubscriber(
  topic: string,
  topicId: string,
  at: Array<[number, number]>,
  ack: boolean,
  bufferBytes: number,
): Subscriber {
  return { topic, topicId, at, ack, bufferBytes, sent: [], unacked: 0, fullSince: 0, closed: false };
}

export const partitionsOf = (s: Subscriber): number[] => s.at.map(([p]) => p);

export function nextOffset(s: Subscriber, partition: number): number | undefined {
  return s.at.find(([p]) => p === partition)?.[1];
}

export function setNextOffset(s: Subscriber, partition: number, offset: number): void {
  const entry = s.at.find(([p]) => p === partition);
  if (entry) entry[1] = offset;
}

/* Whether more may be sent: always without flow control. */
export const hasRoom = (s: Subscriber): boolean => !s.ack || s.unacked < s.bufferBytes;

/* A record of `bytes` at `offset` of `partition` was sent. */
export function recordSent(s: Subscriber, partition: number, offset: number, bytes: number): void {
  if (!s.ack) return;
  s.sent.push([partition, offset, bytes]);
  s.unacked += bytes;
  while (s.sent.length > MAX_SENT_ENTRIES && foldOldest(s));
}

/* Folds the oldest entry that has a later one of its partition into that one. */
function foldOldest(s: Subscriber): boolean {
  for (let i = 0; i < s.sent.length; i++) {
    const j = s.sent.findIndex((e, k) => k > i && e[0] === s.sent[i]![0]);
    if (j < 0) continue;
    s.sent[j]![2] += s.sent[i]![2];
    s.sent.splice(i, 1);
    return true;
  }
  return false;
}

/* Frees what the cursor ("partition:offset,...", the last offsets taken) acknowledges;
 * INVALID_REQUEST (thrown) when it is malformed. */
export function acknowledge(s: Subscriber, cursor: string): void {
  const taken = parseCursor(cursor);
  s.sent = s.sent.filter(([p, offset, bytes]) => {
    const last = taken.get(p);
    if (last === undefined || offset > last) return true;
    s.unacked -= bytes;
    return false;
  });
}
