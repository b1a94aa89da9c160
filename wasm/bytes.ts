/*
 * bytes.ts — the one reader and the one writer of the byte formats the core shares with
 * the host (kafdo.h: little-endian, no padding; a string is a u16 length and UTF-8).
 *
 * Numbers: int64s are JavaScript numbers above this layer (worker/common/records.ts says
 * why that is safe); one that is not a safe integer, or a value too large for its field,
 * is the caller's mistake, refused with KD_ERR_INVALID_ARG rather than rounded or wrapped.
 */
import { KafdoError, KD_ERR_INVALID_ARG, KafkaCode } from "../worker/common/errors";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/* A string in the core's formats is at most this many UTF-8 bytes. The ones that can be
 * too long are a caller's (a topic name, a config entry, a member or client id, commit
 * metadata), so that is a bad request, INVALID_REQUEST, not a failure here. */
const MAX_STRING_BYTES = 0xffff;

/* A number as an int64 for the core. */
export function int64(v: number, what: string): bigint {
  if (!Number.isSafeInteger(v)) throw new KafdoError(KD_ERR_INVALID_ARG, `${what} ${v} is not an integer`);
  return BigInt(v);
}

export function int32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
    throw new KafdoError(KD_ERR_INVALID_ARG, `${what} ${v} is not an int32`);
  }
  return v;
}

export function int16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < -(2 ** 15) || v >= 2 ** 15) {
    throw new KafdoError(KD_ERR_INVALID_ARG, `${what} ${v} is not an int16`);
  }
  return v;
}

export function uint32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) {
    throw new KafdoError(KD_ERR_INVALID_ARG, `${what} ${v} is not a uint32`);
  }
  return v;
}

export function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/* Reads the core's output, refusing to read past its end. */
export class Reader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) {
      throw new KafdoError(KD_ERR_INVALID_ARG, "the core's output is shorter than its format says");
    }
    this.pos += n;
    return at;
  }
  /* How many bytes the output holds in all. */
  get length(): number {
    return this.buf.length;
  }
  u8(): number {
    return this.buf[this.need(1)]!;
  }
  /* A u8 flag: 1 is true. */
  flag(): boolean {
    return this.u8() === 1;
  }
  i16(): number {
    return this.view.getInt16(this.need(2), true);
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i64(): number {
    return Number(this.view.getBigInt64(this.need(8), true));
  }
  /* A copy of the next n bytes (a view would keep the whole output alive). */
  bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.buf.slice(at, at + n);
  }
  /* i32 length (-1: null), then the bytes. */
  nullableBytes(): Uint8Array | null {
    const n = this.i32();
    return n < 0 ? null : this.bytes(n);
  }
  /* u32 length, then the bytes. */
  blob(): Uint8Array {
    return this.bytes(this.u32());
  }
  /* u16 length, then UTF-8. */
  str(): string {
    return utf8Decoder.decode(this.bytes(this.u16()));
  }
  /* u32 length, then UTF-8 (a record header's key). */
  longStr(): string {
    return utf8Decoder.decode(this.blob());
  }
  /* u32 count, then that many items. */
  list<T>(item: () => T): T[] {
    return Array.from({ length: this.u32() }, item);
  }
  /* A copy of what is left. */
  rest(): Uint8Array {
    return this.bytes(this.buf.length - this.pos);
  }
  /* What is left, as a view of the output rather than a copy: for output used whole
   * and at once (a Kafka frame, JSON text), where a copy would only cost time. */
  restView(): Uint8Array {
    const at = this.need(this.buf.length - this.pos);
    return this.buf.subarray(at);
  }
}

/* Writes a call's input, growing as it goes; bytes() is the input to stage. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /* Reserves n bytes and says where they start; room() may replace buf and view, so
   * each writer takes the offset first, then writes. */
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number): this {
    const at = this.room(1);
    this.view.setUint8(at, v);
    return this;
  }
  /* A u8 flag: 1 for true. */
  flag(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }
  i16(v: number): this {
    const at = this.room(2);
    this.view.setInt16(at, int16(v, "value"), true);
    return this;
  }
  u16(v: number): this {
    const at = this.room(2);
    this.view.setUint16(at, v, true);
    return this;
  }
  i32(v: number): this {
    const at = this.room(4);
    this.view.setInt32(at, int32(v, "value"), true);
    return this;
  }
  u32(v: number): this {
    const at = this.room(4);
    this.view.setUint32(at, v, true);
    return this;
  }
  /* A number (checked to be a safe integer) or a bigint as it is. */
  i64(v: number | bigint): this {
    const at = this.room(8);
    this.view.setBigInt64(at, typeof v === "bigint" ? v : int64(v, "value"), true);
    return this;
  }
  /* The bytes as they are, no length. */
  raw(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }
  /* i32 length (-1 for null), then the bytes. */
  nullableBytes(b: Uint8Array | null): this {
    this.i32(b ? b.length : -1);
    return b ? this.raw(b) : this;
  }
  /* u32 length, then the bytes. */
  blob(b: Uint8Array): this {
    return this.u32(b.length).raw(b);
  }
  /* u16 length, then UTF-8; INVALID_REQUEST past MAX_STRING_BYTES. */
  str(s: string | Uint8Array): this {
    const b = typeof s === "string" ? utf8Encoder.encode(s) : s;
    if (b.length > MAX_STRING_BYTES) {
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        `a string of ${b.length} UTF-8 bytes is over the limit of ${MAX_STRING_BYTES} bytes`,
      );
    }
    return this.u16(b.length).raw(b);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
