/*
 * group-reset.ts — resetting a consumer group's committed offsets, for the REST
 * front (POST /admin/groups/:groupId/offsets/reset), the in-Worker admin and the
 * CLI's `groups reset-offsets`: kafka-consumer-groups --reset-offsets.
 *
 * The rules — only an empty group, how each spec becomes an offset, the clamp to
 * [log start, high watermark], all or nothing — are the core's (group_reset.c),
 * applied in the group's object in one transaction. This module checks the request's
 * shape (INVALID_REQUEST naming the field), finds the topic and its partitions
 * (UNKNOWN_TOPIC_OR_PARTITION), and gathers from each partition object what only it
 * knows: its log start offset, its high watermark and, for a reset to a time, the
 * first offset at or after it. Nothing is written before the group's answer, so a
 * refusal anywhere changes nothing.
 */
import type { ResetPartition, ResetSpec } from "../../wasm/kafdo";
import type { Env } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { OffsetResetTarget, ResetOffsetsRequest, ResetOffsetsResult } from "../common/groups";
import type { TopicInfo } from "../common/topics";
import { callPartition } from "../partitions/access";
import { checkPartition, forget, topicFor } from "../partitions/topics";
import { group } from "./groups";

const INT32_MAX = 2147483647;

function invalid(message: string): KafdoError {
  return new KafdoError(KafkaCode.INVALID_REQUEST, message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function safeInteger(v: unknown, where: string, min: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw invalid(`${where} must be an integer${min === 0 ? " >= 0" : ""}`);
  }
  return v;
}

const TARGET_HELP = '"earliest", "latest", {"timestamp": ms}, {"offset": n} or {"shiftBy": n}';

/* The reset's `to`, as the core's spec; INVALID_REQUEST naming `where` otherwise. */
export function resetSpec(to: unknown, where = "to"): ResetSpec {
  if (to === "earliest" || to === "latest") return { kind: to };
  if (isObject(to)) {
    const keys = Object.keys(to);
    if (keys.length === 1) {
      const [key] = keys as [string];
      if (key === "timestamp") return { kind: "timestamp", value: safeInteger(to.timestamp, `${where}.timestamp`, 0) };
      if (key === "offset") return { kind: "offset", value: safeInteger(to.offset, `${where}.offset`, 0) };
      if (key === "shiftBy") {
        return { kind: "shiftBy", value: safeInteger(to.shiftBy, `${where}.shiftBy`, Number.MIN_SAFE_INTEGER) };
      }
    }
  }
  throw invalid(`${where} must be ${TARGET_HELP}, not ${JSON.stringify(to) ?? String(to)}`);
}

/* The partitions named (each once), or undefined for all of the topic's. */
function partitionList(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) throw invalid("partitions must be a non-empty array of partition numbers");
  const seen = new Set<number>();
  return v.map((p, i) => {
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p > INT32_MAX) {
      throw invalid(`partitions[${i}] must be an integer from 0 to ${INT32_MAX}`);
    }
    if (seen.has(p)) throw invalid(`partitions[${i}]: partition ${p} is listed twice`);
    seen.add(p);
    return p;
  });
}

/* The topic, read again past the cache when it seems too small (it may have grown). */
async function topicWith(env: Env, topic: string, partitions: number[] | undefined): Promise<TopicInfo> {
  let info = await topicFor(env, topic);
  const highest = partitions ? Math.max(...partitions) : -1;
  if (highest >= info.partitions) {
    forget(topic);
    info = await topicFor(env, topic);
  }
  for (const p of partitions ?? []) checkPartition(info, p);
  return info;
}

/* What the core needs of one partition, from its object (callPartition forgets the
 * cached topic when it was deleted or recreated since the cache read it). */
async function gather(env: Env, info: TopicInfo, partition: number, spec: ResetSpec): Promise<ResetPartition> {
  return await callPartition(env, info, partition, async (stub) => {
    const [offsets, forTime] = await Promise.all([
      stub.offsets(),
      spec.kind === "timestamp" ? stub.offsetForTimestamp(spec.value) : Promise.resolve({ offset: -1 }),
    ]);
    return {
      topic: info.name,
      partition,
      logStartOffset: offsets.logStartOffset,
      highWatermark: offsets.highWatermark,
      offsetForTime: forTime.offset,
    };
  });
}

/*
 * Resets `groupId`'s committed offsets for a topic's partitions (all when none are
 * named) and answers them; with dryRun, answers what it would commit. Errors:
 * INVALID_GROUP_ID, INVALID_REQUEST (a malformed request, a shift where nothing is
 * committed), UNKNOWN_TOPIC_OR_PARTITION, NON_EMPTY_GROUP (the group has members).
 */
export async function resetGroupOffsets(
  env: Env,
  groupId: string,
  request: ResetOffsetsRequest,
): Promise<ResetOffsetsResult> {
  const stub = group(env, groupId); /* INVALID_GROUP_ID first */
  if (!isObject(request)) throw invalid("a reset is { topic, partitions?, to, dryRun? }");
  for (const key of Object.keys(request)) {
    if (!["topic", "partitions", "to", "dryRun"].includes(key)) throw invalid(`a reset has no field "${key}"`);
  }
  if (typeof request.topic !== "string") throw invalid("topic must be a string");
  const spec = resetSpec(request.to as unknown as OffsetResetTarget);
  const partitions = partitionList(request.partitions);
  if (request.dryRun !== undefined && typeof request.dryRun !== "boolean") throw invalid("dryRun must be a boolean");
  const dryRun = request.dryRun === true;
  const info = await topicWith(env, request.topic, partitions);
  const rows = await Promise.all(
    (partitions ?? Array.from({ length: info.partitions }, (_, p) => p)).map((p) => gather(env, info, p, spec)),
  );
  const offsets = await stub.resetOffsets(groupId, spec, rows, dryRun);
  return { groupId, dryRun, offsets };
}
