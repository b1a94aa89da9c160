/*
 * PipelineDO.ts — a pipeline run continuously, hosted by a Durable Object class the
 * user's Worker exports (its closures stay in the user's code):
 *
 *   export class OrdersPipeline extends PipelineDO {
 *     pipeline(from) {
 *       return from("orders").filter((o) => o.amount > 100).to("high-value-orders");
 *     }
 *   }
 *   // wrangler: a durable_objects binding ORDERS_PIPELINE -> OrdersPipeline, in new_sqlite_classes
 *   await env.ORDERS_PIPELINE.get(env.ORDERS_PIPELINE.idFromName("orders")).start();
 *
 * Each object (one per id) is one running instance of its class's pipeline. Once
 * started it is woken by its alarm: it runs steps until it has read to the end of its
 * input, then sets its alarm IDLE_MS ahead (at once while there is more). The alarm
 * survives restarts and deploys; stop() clears it.
 *
 * A step: send what the outbox still holds (outbox.ts), read up to READ_LIMIT records
 * of each input partition from the stored offsets, take them in event-time order
 * (input.ts's takeInTimeOrder; what it leaves is read again next step), run them through the steps
 * (processor.ts) and, in ONE SQLite transaction, store the new input offsets, the
 * aggregation entries the records changed and the outputs (the outbox); then send the
 * outputs and clear the outbox. A kill at any moment leaves either the old offsets,
 * state and outbox (the step is read and run again, to the same result) or the new
 * ones (its outputs are sent, each only if not already found in its topic): every
 * input record counts exactly once in the outputs.
 *
 * Not transactions (Kafdo has none yet): a reader of the output topics may see a
 * step's outputs before all of them are there, never one twice.
 */
import { DurableObject } from "cloudflare:workers";
import { createAdmin, createProducer } from "../api";
import type { KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { ProducerMessage } from "../common/api";
import { READ_LIMIT, readFrom, startOffset, takeInTimeOrder } from "./input";
import { loadedMessage, OUTPUT_HEADER, outputEnds, sentTags, storedMessage } from "./outbox";
import { sinkMessage } from "./output";
import type { Plan, StreamOptions } from "./plan";
import { Processor, type Entry } from "./processor";
import { Pipeline, stream, type Stream } from "./stream";

/* How long a caught-up pipeline waits before it reads again. */
export const IDLE_MS = 1000;
/* Steps one alarm runs at most before it yields to the next alarm. */
const STEPS_PER_ALARM = 20;

export interface PipelineStatus {
  running: boolean;
  /* each input partition's next offset */
  offsets: { partition: number; offset: number }[];
  /* input records read (each counted once) */
  read: number;
  /* outputs sent */
  written: number;
  /* outputs stored but not yet sent */
  pending: number;
  /* aggregation entries held (open windows, keys) */
  entries: number;
}

type From = (topic: string, options?: Pick<StreamOptions, "from">) => Stream;

export abstract class PipelineDO<E extends KafdoBindings = KafdoBindings> extends DurableObject<E> {
  /* The pipeline this class runs: from(topic) is its input; return its .to() or .branch(). */
  abstract pipeline(from: From): Pipeline;

  /* Records a step reads of each input partition at most: a subclass may set fewer
   * (smaller steps, smaller outboxes) or more (up to read.ts's MAX_READ_RECORDS). */
  protected readonly recordsPerStep: number = READ_LIMIT;

  private plan: Plan | undefined;
  private processor: Processor | undefined;
  private readonly outputs: ProducerMessage[] = [];
  /* steps run one at a time (an alarm and a step() call would otherwise interleave) */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS pipeline_offsets (partition INTEGER PRIMARY KEY, next INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS pipeline_state (
      step INTEGER NOT NULL, id TEXT NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (step, id))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS pipeline_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
    /* seq: from the meta counter "seq", never reused (an output's tag must be unique for ever) */
    sql.exec(`CREATE TABLE IF NOT EXISTS pipeline_outbox (seq INTEGER PRIMARY KEY, message TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS pipeline_output_ends (
      topic TEXT NOT NULL, partition INTEGER NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (topic, partition))`);
  }

  /* Starts (or keeps) the pipeline running: its first step at once. */
  async start(): Promise<PipelineStatus> {
    this.definition(); /* a pipeline() that does not define one is refused here */
    this.setMeta("running", 1);
    await this.ctx.storage.setAlarm(Date.now());
    return this.status();
  }

  /* Stops waking: the offsets, state and outbox stay for a later start(). */
  async stop(): Promise<PipelineStatus> {
    this.setMeta("running", 0);
    await this.ctx.storage.deleteAlarm();
    return this.status();
  }

  status(): PipelineStatus {
    const sql = this.ctx.storage.sql;
    const count = (table: string) => sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
    return {
      running: this.meta("running") === 1,
      offsets: sql
        .exec<{ partition: number; next: number }>(`SELECT partition, next FROM pipeline_offsets ORDER BY partition`)
        .toArray()
        .map((r) => ({ partition: r.partition, offset: r.next })),
      read: this.meta("read"),
      written: this.meta("written"),
      pending: count("pipeline_outbox"),
      entries: count("pipeline_state"),
    };
  }

  /* One step (see the top of this file); resolves to the input records it read. */
  step(): Promise<number> {
    return this.exclusive(() => this.runStep());
  }

  override async alarm(): Promise<void> {
    if (this.meta("running") !== 1) return;
    let more = false;
    try {
      await this.exclusive(async () => {
        for (let i = 0; i < STEPS_PER_ALARM; i++) {
          more = (await this.runStep()) > 0;
          if (!more) break;
        }
      });
    } finally {
      if (this.meta("running") === 1) await this.ctx.storage.setAlarm(Date.now() + (more ? 0 : IDLE_MS));
    }
  }

  /* ---- the step's two halves, also called apart by the tests to crash between them ---- */

  /* Reads, runs and commits one batch (offsets, state, outbox); sends nothing. */
  commitStep(): Promise<number> {
    return this.exclusive(() => this.commitBatch());
  }

  /* Sends what the outbox holds, leaving out what a send before a crash already
   * wrote; `limit` sends only that many and keeps the outbox (a crash mid-send, for
   * the tests). Resolves to the number sent. */
  sendOutbox(limit?: number): Promise<number> {
    return this.exclusive(() => this.send(limit));
  }

  /* ---- inside ------------------------------------------------------------------------ */

  private async commitBatch(): Promise<number> {
    const plan = this.definition();
    const env = this.env;
    const topic = plan.source.topic;
    const partitions = (await createAdmin(env).describeTopic(topic)).partitions.map((p) => p.partition);
    const stored = new Map(
      this.ctx.storage.sql
        .exec<{ partition: number; next: number }>(`SELECT partition, next FROM pipeline_offsets`)
        .toArray()
        .map((r) => [r.partition, r.next]),
    );
    const from = await Promise.all(
      partitions.map(async (p) => stored.get(p) ?? (await startOffset(env, topic, p, plan.source.start))),
    );
    const reads = await Promise.all(
      partitions.map((p, i) => readFrom(env, topic, p, from[i]!, undefined, this.recordsPerStep)),
    );
    const records = takeInTimeOrder(reads);
    /* each partition's next offset: its first record not taken, else after its read */
    const next = reads.map((r) => r.records[0]?.offset ?? r.next);
    if (records.length === 0 && next.every((n, i) => n === from[i] && stored.has(partitions[i]!))) return 0;

    const processor = this.loadedProcessor(plan);
    this.outputs.length = 0;
    try {
      for (const r of records) await processor.push(r);
      await processor.endBatch(false);
    } catch (e) {
      this.processor = undefined; /* its state holds what is not committed: load it again */
      throw e;
    }
    const changes = processor.changes();
    const outputs = this.outputs.splice(0);
    const topics = [...new Set(outputs.map((m) => m.topic))];
    const ends = outputs.length > 0 ? await outputEnds(env, topics) : [];

    const sql = this.ctx.storage.sql;
    try {
      this.ctx.storage.transactionSync(() => {
        for (const [i, p] of partitions.entries()) {
          sql.exec(`INSERT OR REPLACE INTO pipeline_offsets (partition, next) VALUES (?, ?)`, p, next[i]!);
        }
        for (const { step, id, entry } of changes.entries) {
          if (entry) {
            sql.exec(
              `INSERT OR REPLACE INTO pipeline_state (step, id, entry) VALUES (?, ?, ?)`,
              step,
              id,
              JSON.stringify(entry),
            );
          } else sql.exec(`DELETE FROM pipeline_state WHERE step = ? AND id = ?`, step, id);
        }
        for (const { step, time } of changes.streamTimes) this.setMeta(`time:${step}`, time);
        let seq = this.meta("seq");
        for (const m of outputs) {
          sql.exec(`INSERT INTO pipeline_outbox (seq, message) VALUES (?, ?)`, ++seq, storedMessage(m));
        }
        this.setMeta("seq", seq);
        for (const e of ends) {
          sql.exec(
            `INSERT OR IGNORE INTO pipeline_output_ends (topic, partition, next) VALUES (?, ?, ?)`,
            e.topic,
            e.partition,
            e.offset,
          );
        }
        this.setMeta("read", this.meta("read") + records.length);
      });
    } catch (e) {
      this.processor = undefined;
      throw e;
    }
    return records.length;
  }

  private async send(limit?: number): Promise<number> {
    const sql = this.ctx.storage.sql;
    const rows = sql
      .exec<{ seq: number; message: string }>(`SELECT seq, message FROM pipeline_outbox ORDER BY seq`)
      .toArray();
    if (rows.length === 0) return 0;
    const prefix = `${this.ctx.id.toString()}/`;
    const messages = rows.map((r) => {
      const m = loadedMessage(r.message);
      return { ...m, headers: { ...m.headers, [OUTPUT_HEADER]: `${prefix}${r.seq}` } };
    });
    const topics = [...new Set(messages.map((m) => m.topic))];
    const ends = sql
      .exec<{ topic: string; partition: number; next: number }>(
        `SELECT topic, partition, next FROM pipeline_output_ends`,
      )
      .toArray()
      .map((e) => ({ topic: e.topic, partition: e.partition, offset: e.next }));
    const sent = await sentTags(this.env, topics, ends, prefix);
    let todo = messages.filter((m) => !sent.has(m.headers[OUTPUT_HEADER]));
    if (limit !== undefined) todo = todo.slice(0, limit);
    if (todo.length > 0) {
      const producer = createProducer(this.env, { retries: 0 });
      try {
        await producer.sendBatch(todo);
      } finally {
        await producer.close();
      }
    }
    if (limit !== undefined) return todo.length;
    this.ctx.storage.transactionSync(() => {
      sql.exec(`DELETE FROM pipeline_outbox`);
      sql.exec(`DELETE FROM pipeline_output_ends`);
      this.setMeta("written", this.meta("written") + todo.length);
    });
    return todo.length;
  }

  private async runStep(): Promise<number> {
    await this.send();
    const read = await this.commitBatch();
    await this.send();
    return read;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.catch(() => undefined);
    return run;
  }

  private definition(): Plan {
    if (this.plan) return this.plan;
    const from: From = (topic, options) => stream(this.env, topic, options);
    const defined: unknown = this.pipeline(from);
    if (!(defined instanceof Pipeline)) {
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        "pipeline(from) must return a pipeline ending in .to(topic) or .branch(...), not awaited",
      );
    }
    this.plan = defined.plan;
    return this.plan;
  }

  private loadedProcessor(plan: Plan): Processor {
    if (this.processor) return this.processor;
    const sql = this.ctx.storage.sql;
    const entries = sql
      .exec<{ step: number; id: string; entry: string }>(`SELECT step, id, entry FROM pipeline_state`)
      .toArray()
      .map((r) => ({ step: r.step, id: r.id, entry: JSON.parse(r.entry) as Entry }));
    const streamTimes = sql
      .exec<{ name: string; value: number }>(`SELECT name, value FROM pipeline_meta WHERE name LIKE 'time:%'`)
      .toArray()
      .map((r) => ({ step: Number(r.name.slice(5)), time: r.value }));
    this.processor = new Processor(
      plan.steps,
      async (r) => {
        const m = await sinkMessage(plan.sink, r);
        if (m) this.outputs.push(m);
      },
      { entries, streamTimes },
    );
    return this.processor;
  }

  private meta(name: string): number {
    return (
      this.ctx.storage.sql.exec<{ value: number }>(`SELECT value FROM pipeline_meta WHERE name = ?`, name).toArray()[0]
        ?.value ?? 0
    );
  }

  private setMeta(name: string, value: number): void {
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO pipeline_meta (name, value) VALUES (?, ?)`, name, value);
  }
}
