/*
 * events.ts — kafkajs's instrumentation events for the consumer: the names
 * (consumer.events.GROUP_JOIN is "consumer.group_join", ...), and the emitter behind
 * consumer.on(), whose listeners get { id, type, timestamp, payload } and whose
 * return value removes the listener. A listener that throws is ignored, as kafkajs's
 * emitter does not let one listener break the consumer.
 */
export const ConsumerEvents = {
  HEARTBEAT: "consumer.heartbeat",
  COMMIT_OFFSETS: "consumer.commit_offsets",
  GROUP_JOIN: "consumer.group_join",
  FETCH: "consumer.fetch",
  FETCH_START: "consumer.fetch_start",
  START_BATCH_PROCESS: "consumer.start_batch_process",
  END_BATCH_PROCESS: "consumer.end_batch_process",
  CONNECT: "consumer.connect",
  DISCONNECT: "consumer.disconnect",
  STOP: "consumer.stop",
  CRASH: "consumer.crash",
  REBALANCING: "consumer.rebalancing",
  RECEIVED_UNSUBSCRIBED_TOPICS: "consumer.received_unsubscribed_topics",
  REQUEST: "consumer.network.request",
  REQUEST_TIMEOUT: "consumer.network.request_timeout",
  REQUEST_QUEUE_SIZE: "consumer.network.request_queue_size",
} as const;

export type ConsumerEventName = (typeof ConsumerEvents)[keyof typeof ConsumerEvents];

export interface InstrumentationEvent<T = unknown> {
  id: number;
  type: string;
  timestamp: number;
  payload: T;
}

const known = new Set<string>(Object.values(ConsumerEvents));

export class Instrumentation {
  private readonly listeners = new Map<string, Set<(event: InstrumentationEvent) => void>>();
  private nextId = 0;

  on(type: string, listener: (event: InstrumentationEvent) => void): () => void {
    if (!known.has(type)) throw new TypeError(`Event name should be one of ${[...known].join(", ")}`);
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener);
    this.listeners.set(type, set);
    return () => set.delete(listener);
  }

  emit(type: ConsumerEventName, payload: unknown = null): void {
    const event = { id: this.nextId++, type, timestamp: Date.now(), payload };
    for (const listener of this.listeners.get(type) ?? []) {
      try {
        listener(event);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }
}
