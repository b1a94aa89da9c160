/*
 * worker.ts — the commit floor: the smallest Worker that acknowledges durable writes
 * to Durable Object SQLite, measured by bench/commit-floor.mjs beside Kafdo.
 *
 * One Durable Object (FloorDO, a single instance) inserts each write as one row of a
 * table with an integer key and a blob, and answers once the write is committed: a
 * Durable Object's output gate holds the answer until SQLite has committed, so when the
 * caller sees the answer the row is durable — the promise Kafdo's produce makes. No
 * decoding, no validation, no indexes: what is left is the platform's cost per write.
 *
 *   POST /write        body = the row's bytes   -> 200 "<rowid>"   (as REST produce)
 *   GET  /ws           WebSocket; each binary message is one row, answered with its
 *                      rowid as text, in order  (as the Kafka path: gateway -> WebSocket)
 *   POST /write-many   many rows in one call (for filling the table)
 *   GET  /size         200 {"rows", "payloadBytes"}
 *   GET  /health       200 "ok"
 */
import { DurableObject } from "cloudflare:workers";

interface Env {
  FLOOR: DurableObjectNamespace<FloorDO>;
}

export class FloorDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, value BLOB NOT NULL)");
  }

  write(value: ArrayBuffer): number {
    const cursor = this.ctx.storage.sql.exec("INSERT INTO rows (value) VALUES (?) RETURNING id", value);
    return Number(cursor.one().id);
  }

  writeMany(values: ArrayBuffer[]): number {
    let last = 0;
    for (const value of values) last = this.write(value);
    return last;
  }

  size(): { rows: number; payloadBytes: number } {
    const row = this.ctx.storage.sql
      .exec("SELECT count(*) AS n, coalesce(sum(length(value)), 0) AS bytes FROM rows")
      .one();
    return { rows: Number(row.n), payloadBytes: Number(row.bytes) };
  }
}

function floor(env: Env): DurableObjectStub<FloorDO> {
  return env.FLOOR.get(env.FLOOR.idFromName("floor"));
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/health") return new Response("ok");
    if (path === "/write" && request.method === "POST") {
      const id = await floor(env).write(await request.arrayBuffer());
      return new Response(String(id));
    }
    if (path === "/write-many" && request.method === "POST") {
      /* A body of 4-byte big-endian lengths, each followed by that many bytes: many rows
       * in one call, for filling the table when measuring bytes stored per byte. */
      const body = new Uint8Array(await request.arrayBuffer());
      const values: ArrayBuffer[] = [];
      for (let at = 0; at + 4 <= body.length;) {
        const n = new DataView(body.buffer, body.byteOffset + at, 4).getUint32(0);
        values.push(body.slice(at + 4, at + 4 + n).buffer as ArrayBuffer);
        at += 4 + n;
      }
      return new Response(String(await floor(env).writeMany(values)));
    }
    if (path === "/size") return Response.json(await floor(env).size());
    if (path === "/ws" && request.headers.get("upgrade") === "websocket") {
      const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
      server.accept();
      const stub = floor(env);
      /* Answers go out in arrival order, as a Kafka connection's do. */
      let previous: Promise<unknown> = Promise.resolve();
      server.addEventListener("message", (event) => {
        const data = event.data;
        const bytes =
          typeof data === "string" ? (new TextEncoder().encode(data).buffer as ArrayBuffer) : (data as ArrayBuffer);
        const written = stub.write(bytes);
        previous = previous
          .then(() => written)
          .then(
            (id) => server.send(String(id)),
            () => server.close(1011, "write failed"),
          );
      });
      return new Response(null, { status: 101, webSocket: client });
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
