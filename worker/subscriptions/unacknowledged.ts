/*
 * unacknowledged.ts — the bounded buffer of a WebSocket subscriber. workerd does not
 * count a WebSocket's unsent bytes (bufferedAmount is not implemented:
 * cloudflare/workerd#988), so what a WebSocket subscriber has not taken cannot be seen
 * from the transport. A subscriber that asks for flow control (?ack=true) tells instead:
 * it sends {"ack":"partition:offset,..."} (a cursor, positions.ts: the last offsets it
 * has processed), and its buffer is the bytes sent and not yet acknowledged.
 */
import { parseCursor } from "./positions";

export class Unacknowledged {
  /* Per partition, the records sent and not acknowledged, in offset order. */
  private readonly sent = new Map<number, Array<{ offset: number; bytes: number }>>();
  bytes = 0;

  add(partition: number, offset: number, bytes: number): void {
    let list = this.sent.get(partition);
    if (!list) this.sent.set(partition, (list = []));
    list.push({ offset, bytes });
    this.bytes += bytes;
  }

  /* Frees what the cursor acknowledges; INVALID_REQUEST (thrown) when it is malformed. */
  acknowledge(cursor: string): void {
    for (const [partition, last] of parseCursor(cursor)) {
      const list = this.sent.get(partition);
      let n = 0;
      while (list && n < list.length && list[n]!.offset <= last) this.bytes -= list[n++]!.bytes;
      list?.splice(0, n);
    }
  }
}
