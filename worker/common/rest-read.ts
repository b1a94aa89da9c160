/*
 * rest-read.ts — a partition read answered as the REST API's JSON (the core writes
 * it, src-c/rest_json.c): what the partition object returns for
 * GET /topics/:topic/partitions/:partition/messages.
 */
import type { LogOffsets } from "./records";

/* How a REST read shows bytes: readable JSON where that loses nothing, or base64. */
export type Encoding = "json" | "base64";

export interface RestReadResult extends LogOffsets {
  lastStableOffset: number;
  /* Where the next read starts: past the last message, or past what the read skipped. */
  nextOffset: number;
  /* How many messages `messages` holds. */
  count: number;
  /* Keys, values, header names and header values, as the read metric counts them. */
  recordBytes: number;
  /* The messages' JSON, UTF-8, comma-separated: the inside of the answer's array. */
  messages: Uint8Array;
}
