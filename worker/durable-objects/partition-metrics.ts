/*
 * partition-metrics.ts — what a TopicPartitionDO counts for /metrics, in its memory:
 * records and bytes appended and fetched (in all, and by minute for the last hour),
 * and, on a scrape, its storage (kd_log_stats) counted without reading the whole
 * log each time.
 *
 * Fetched bytes are the stored RecordBatch bytes a Kafka Fetch carries, or, for a
 * decoded read (REST, the in-Worker consumer), the bytes of the records' keys,
 * values and headers.
 *
 * The hot tier's rows and bytes: the whole log is counted at the first scrape of
 * this object's life, then each scrape counts only the batches from the high
 * watermark of the last count on (they are all new), until something may have
 * removed or rewritten old batches — retention, compaction and tiering (the alarm),
 * DeleteRecords, retirement — which calls for a whole count again (recount()).
 */
import { logStats, sqlRows, type KafdoStorage } from "../../wasm/kafdo";
import { TrafficSeries, addTraffic, noTraffic, type PartitionMetrics, type Traffic } from "../common/metrics";
import type { ConsumerRecord, FetchResult } from "../common/records";
import type { RestReadResult } from "../common/rest-read";

/* RecordBatch v2: batchLength (int32) at 8, counts from 12; recordsCount (int32) at 57. */
const BATCH_LENGTH_AT = 8;
const RECORDS_COUNT_AT = 57;
const BATCH_HEADER = 61;

function recordsIn(batches: Uint8Array): number {
  const view = new DataView(batches.buffer, batches.byteOffset, batches.byteLength);
  let records = 0;
  for (let at = 0; at + BATCH_HEADER <= batches.length; at += 12 + view.getInt32(at + BATCH_LENGTH_AT)) {
    records += view.getInt32(at + RECORDS_COUNT_AT);
    if (view.getInt32(at + BATCH_LENGTH_AT) <= 0) break;
  }
  return records;
}

function bytesOf(records: ConsumerRecord[]): number {
  let bytes = 0;
  for (const r of records) {
    bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const h of r.headers) bytes += h.key.length + (h.value?.length ?? 0);
  }
  return bytes;
}

export class PartitionCounters {
  private readonly total = noTraffic();
  private readonly series = new TrafficSeries();
  private readonly since = Date.now();
  /* The hot tier as last counted, through the high watermark then; undefined: count
   * the whole log at the next scrape. */
  private counted: { through: number; rows: number; bytes: number } | undefined;

  constructor(
    private readonly db: number,
    private readonly storage: KafdoStorage,
    private readonly enabled: boolean,
  ) {}

  appended(records: number, bytes: number): void {
    if (this.enabled) this.#add({ appendedRecords: records, appendedBytes: bytes });
  }

  fetched(result: FetchResult): FetchResult {
    if (this.enabled && result.batches.length > 0) {
      this.#add({ fetchedRecords: recordsIn(result.batches), fetchedBytes: result.batches.length });
    }
    return result;
  }

  read<T extends { records: ConsumerRecord[] }>(result: T): T {
    if (this.enabled && result.records.length > 0) {
      this.#add({ fetchedRecords: result.records.length, fetchedBytes: bytesOf(result.records) });
    }
    return result;
  }

  /* read(), for a REST read's answer: the core counted its records and their bytes. */
  readRest<T extends RestReadResult>(result: T): T {
    if (this.enabled && result.count > 0) {
      this.#add({ fetchedRecords: result.count, fetchedBytes: result.recordBytes });
    }
    return result;
  }

  /* Old batches may have gone or changed: the next scrape counts the whole log. */
  recount(): void {
    this.counted = undefined;
  }

  #add(traffic: Partial<Traffic>): void {
    addTraffic(this.total, traffic);
    this.series.add(Date.now(), traffic);
  }

  /* The scrape's answer (reads only; nothing is stored). */
  snapshot(): PartitionMetrics {
    const stats = logStats(this.db, this.counted?.through ?? 0);
    const before = this.counted ?? { rows: 0, bytes: 0 };
    this.counted = {
      through: stats.highWatermark,
      rows: before.rows + stats.hotBatches,
      bytes: before.bytes + stats.hotBytes,
    };
    const now = Date.now();
    return {
      logStartOffset: stats.logStartOffset,
      highWatermark: stats.highWatermark,
      stored: {
        hot: { rows: this.counted.rows, bytes: this.counted.bytes },
        cold: { segments: stats.coldSegments, bytes: stats.coldBytes },
      },
      traffic: { ...this.total },
      sql: sqlRows(this.storage),
      series: this.series.lastHour(now),
      since: this.since,
    };
  }
}
