/*
 * buffer.ts — Node's Buffer, which kafkajs's messages carry, typed for this project.
 *
 * Workers have node:buffer with the nodejs_compat flag (which kafdo/kafkajs needs);
 * the project's types are Workers' alone (no @types/node), so the few Buffer members
 * kafkajs code uses are declared here. A Buffer is a Uint8Array.
 */
// @ts-expect-error -- node:buffer is provided by nodejs_compat at run time; its types are Node's, not installed here.
import { Buffer as NodeBuffer } from "node:buffer";

export type BufferEncoding =
  "utf8" | "utf-8" | "hex" | "base64" | "base64url" | "latin1" | "binary" | "ascii" | "utf16le";

export interface Buffer extends Uint8Array {
  toString(encoding?: BufferEncoding, start?: number, end?: number): string;
  equals(other: Uint8Array): boolean;
  toJSON(): { type: "Buffer"; data: number[] };
}

interface BufferClass {
  from(data: string, encoding?: BufferEncoding): Buffer;
  from(data: ArrayBufferLike, byteOffset?: number, length?: number): Buffer;
  from(data: Uint8Array | readonly number[]): Buffer;
  alloc(size: number): Buffer;
  isBuffer(value: unknown): value is Buffer;
}

export const Buffer: BufferClass = NodeBuffer as BufferClass;
