/*
 * metrics.ts — gathering /metrics: asks every partition object, every group object
 * and the cluster object what they counted (in parallel), and puts it together as
 * the MetricsSnapshot of common/metrics.ts, which GET /metrics.json serves as it is
 * and GET /metrics renders for Prometheus (http/prometheus.ts).
 *
 * A scrape reads; it writes no storage. Its cost is a call to each object, and in
 * each partition a count of the batches appended since the last scrape
 * (partition-metrics.ts). The door stats of the isolate serving the scrape go along
 * to the cluster object, which adds up every isolate's; between scrapes each
 * isolate reports its own at most every REPORT_INTERVAL_MS (reportDoorStats).
 */
import {
  LATENCY_BUCKETS_MS,
  addTraffic,
  isolateDoorStats,
  isolateIdentity,
  lastHourMinutes,
  metricsEnabled,
  noTraffic,
  type GroupSnapshot,
  type MetricsSnapshot,
  type MinuteTraffic,
  type PartitionSnapshot,
  type SqlRowCounts,
  type TopicSnapshot,
} from "../common/metrics";
import { REPORT_INTERVAL_MS } from "../durable-objects/cluster-metrics";
import { groupStub, metadataStub } from "../durable-objects/addressing";
import type { Env } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { TopicInfo } from "../common/topics";
import { callPartition } from "../partitions/access";
import { partitionLag } from "./groups";

const sum = (a: SqlRowCounts, b: SqlRowCounts): SqlRowCounts => ({
  rowsRead: a.rowsRead + b.rowsRead,
  rowsWritten: a.rowsWritten + b.rowsWritten,
});
const none = (): SqlRowCounts => ({ rowsRead: 0, rowsWritten: 0 });

/* Minute samples added up on the last hour's axis (a minute without any: zeros). */
function bucketed(minutes: number[], samples: MinuteTraffic[]): MinuteTraffic[] {
  const by = new Map(minutes.map((minute) => [minute, { minute, ...noTraffic() }]));
  for (const s of samples) {
    const into = by.get(s.minute);
    if (into) addTraffic(into, s);
  }
  return [...by.values()];
}

async function topicSnapshot(env: Env, topic: TopicInfo, minutes: number[]): Promise<TopicSnapshot | undefined> {
  try {
    const answers = await Promise.all(
      Array.from({ length: topic.partitions }, (_, p) => callPartition(env, topic, p, async (stub) => stub.metrics())),
    );
    const partitions: PartitionSnapshot[] = answers.map((m, partition) => ({
      partition,
      logStartOffset: m.logStartOffset,
      highWatermark: m.highWatermark,
      appended: { records: m.traffic.appendedRecords, bytes: m.traffic.appendedBytes },
      fetched: { records: m.traffic.fetchedRecords, bytes: m.traffic.fetchedBytes },
      stored: m.stored,
      sql: m.sql,
      since: m.since,
    }));
    return {
      topic: topic.name,
      topicId: topic.topicId,
      partitions,
      series: bucketed(
        minutes,
        answers.flatMap((m) => m.series),
      ),
    };
  } catch (e) {
    /* Deleted while the scrape ran: left out. */
    if (KafdoError.from(e)?.code === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) return undefined;
    throw e;
  }
}

export async function gatherMetrics(env: Env): Promise<MetricsSnapshot> {
  const now = Date.now();
  const minutes = lastHourMinutes(now);
  const cluster = metadataStub(env);
  const [topicList, groupIds] = await Promise.all([cluster.listTopics(), cluster.listGroups()]);
  const [topicAnswers, groupAnswers] = await Promise.all([
    Promise.all(topicList.map((t) => topicSnapshot(env, t, minutes))),
    Promise.all(groupIds.map(async (groupId) => ({ groupId, m: await groupStub(env, groupId).metrics(groupId) }))),
  ]);
  const topics = topicAnswers.filter((t): t is TopicSnapshot => t !== undefined);

  const highWatermarks = new Map<string, number>();
  for (const t of topics)
    for (const p of t.partitions) highWatermarks.set(`${p.partition}@${t.topic}`, p.highWatermark);
  const groups: GroupSnapshot[] = groupAnswers
    .filter(({ m }) => m.generationId > 0 || m.members > 0 || m.offsets.length > 0)
    .map(({ groupId, m }) => {
      const offsets = m.offsets.map((o) => {
        const hw = highWatermarks.get(`${o.partition}@${o.topic}`) ?? -1;
        /* A committed offset past the high watermark counts no lag, not a negative one. */
        const lag = Math.max(partitionLag(hw, o.offset), hw < 0 ? -1 : 0);
        return { ...o, highWatermark: hw, lag };
      });
      const lag = offsets.reduce((total, o) => total + Math.max(0, o.lag), 0);
      return {
        groupId,
        state: m.state,
        members: m.members,
        generationId: m.generationId,
        offsets,
        lag,
        sql: m.sql,
        since: m.since,
      };
    })
    .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));

  const identity = isolateIdentity();
  lastReport = now;
  const board = await cluster.metrics(
    { ...identity, doors: isolateDoorStats() },
    Object.fromEntries(groups.map((g) => [g.groupId, g.lag])),
  );

  const partitionsSql = topics.flatMap((t) => t.partitions).reduce((a, p) => sum(a, p.sql), none());
  const groupsSql = groups.reduce((a, g) => sum(a, g.sql), none());
  const lagByMinute = new Map(board.lagSeries.map((s) => [s.minute, s.lag]));
  const traffic = bucketed(
    minutes,
    topics.flatMap((t) => t.series),
  );
  return {
    collectedAt: now,
    enabled: metricsEnabled(env),
    topics,
    groups,
    doors: board.doors,
    isolates: board.isolates,
    latencyBucketsMs: LATENCY_BUCKETS_MS,
    sql: {
      partitions: partitionsSql,
      groups: groupsSql,
      cluster: board.sql,
      total: sum(sum(partitionsSql, groupsSql), board.sql),
    },
    series: traffic.map((t) => {
      const lag = lagByMinute.get(t.minute);
      return lag ? { ...t, lag } : t;
    }),
  };
}

let lastReport = 0;

/* Sends this isolate's door stats to the cluster object when the last report is
 * older than REPORT_INTERVAL_MS; the caller keeps the promise alive (waitUntil). */
export function reportDoorStats(env: Env): Promise<void> | undefined {
  const now = Date.now();
  if (!metricsEnabled(env) || now - lastReport < REPORT_INTERVAL_MS) return undefined;
  lastReport = now;
  return metadataStub(env)
    .reportDoors({ ...isolateIdentity(), doors: isolateDoorStats() })
    .catch((e: unknown) => console.error("kafdo: reporting metrics failed", e));
}
