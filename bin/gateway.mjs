/*
 * gateway.mjs — `kafdo gateway`: the relay between Kafka clients and Kafdo's Worker.
 *
 * A Worker cannot accept TCP, so Kafka clients connect here. For each accepted TCP
 * connection the relay opens one WebSocket to the Worker's Kafka endpoint,
 * `<url>/kafka?advertise=<host>:<port>` (ws:// for http://, wss:// for https://, with
 * `Authorization: Bearer <token>` when there is a token), and carries frames both ways:
 *
 *   TCP -> WS  each Kafka request frame, its 4-byte big-endian size prefix included and
 *              unchanged, as binary WebSocket messages, in the order read: one message
 *              per frame, or consecutive pieces of MAX_MESSAGE bytes for a larger frame
 *              (a Worker refuses WebSocket messages over 1 MiB; the Worker joins the
 *              pieces again by the size prefix). A message never holds parts of two
 *              frames. Frames read before the WebSocket is open wait in a queue, in order.
 *   WS -> TCP  each message written to the socket as it is (the Worker sends one response
 *              frame a message, in request order).
 *
 * That is all it knows of Kafka: the size prefix, checked to be one the Worker takes
 * (MIN_FRAME..MAX_FRAME, bin/kafka-frame.mjs, the Worker's own limits); any other size
 * closes the connection as soon as the 4 prefix bytes are read, before any of the body
 * is. A size that spells an HTTP method ("GET " is 1195725856) is someone's HTTP client
 * on the Kafka port: it is answered with a 400 saying where Kafdo's HTTP is, then closed.
 * The Worker decodes, answers and names this relay as the one broker in Metadata, at the
 * advertised address (the listening address unless told otherwise).
 *
 * Closing: TCP closed -> the WebSocket is closed (after the frames already queued for
 * it); the WebSocket closed (the Worker closes it with 1008 on a frame it cannot read,
 * or after a failed SASL authentication) -> the TCP socket is ended once the Worker's
 * last answers are written; the WebSocket failed -> the TCP socket is destroyed. Each
 * connection lives and dies alone.
 *
 * Memory is bounded per connection, both ways, whatever the peers do:
 *   - TCP reading pauses while more than HIGH_WATER bytes sent to the WebSocket are not
 *     yet handed to the kernel (counted through ws's send callbacks), and resumes below
 *     LOW_WATER. A single frame larger than HIGH_WATER still goes through whole.
 *   - WebSocket reading pauses while the TCP socket's write buffer is full (write()
 *     returned false) and resumes on 'drain'. Node 22's global WebSocket cannot pause
 *     its reading, hence the `ws` package.
 *
 * Limits, so an open port cannot be held by clients that never go away: a connection
 * idle (no byte either way) for idleTimeoutMs is closed, as Kafka's
 * connections.max.idle.ms (10 minutes; 0 never); beyond maxConnections open at once
 * (1000), a new connection is closed as soon as it is accepted, and the others go on.
 *
 * startGateway({ listen, url, token, advertise, tls: { cert, key }, idleTimeoutMs, maxConnections,
 * verbose, log }) resolves once listening
 * with { port, host, advertise, wsUrl, buffered(), checkWorker(), close() }. buffered() is
 * what the relay holds in memory now: { connections, toClients, toWorker } (bytes waiting
 * in the TCP sockets' write buffers; bytes read from TCP not yet handed to the kernel for
 * the WebSocket). checkWorker() opens one WebSocket to the Worker, as a connection would,
 * and closes it: it resolves to undefined when the Worker took it, else to the reason
 * (the error, or the HTTP status and Kafdo's error message), so a wrong URL or token is
 * reported once, plainly, rather than as every client's closed connection. close() stops
 * accepting, ends every connection and resolves when the server is closed. Signals are
 * the CLI's business (bin/kafdo).
 */
import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { hostname } from 'node:os';
import { WebSocket } from 'ws';
import { MAX_FRAME, MIN_FRAME } from './kafka-frame.mjs';

export { MAX_FRAME, MIN_FRAME };

/* The largest WebSocket message sent to the Worker: Cloudflare documents 1 MiB as the
 * largest a Worker receives. */
export const MAX_MESSAGE = 1024 * 1024;

const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
const HANDSHAKE_TIMEOUT_MS = 30_000;
const CHECK_TIMEOUT_MS = 10_000;
const FLUSH_TIMEOUT_MS = 5_000;
/* As Kafka's connections.max.idle.ms: a connection with no byte either way for this
 * long is closed (clients reconnect when they need to). */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;
/* Open connections at most; one more is closed as soon as it is accepted. */
export const DEFAULT_MAX_CONNECTIONS = 1000;
/* Keeps an idle connection's WebSocket open through proxies (Cloudflare closes idle
 * WebSockets after 100 s); Kafka clients keep idle connections for minutes. */
const PING_INTERVAL_MS = 30_000;

/* "host:port" or "[v6]:port" -> { host, port }; undefined when it is neither. An empty
 * host (":9092") means every interface. */
export function parseHostPort(text) {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text ?? '');
  if (!m || Number(m[3]) > 65535) return undefined;
  return { host: m[1] ?? m[2], port: Number(m[3]) };
}

const formatHostPort = (host, port) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/* The Worker's Kafka endpoint for a Kafdo URL (http(s) or ws(s)), with the advertised
 * address in the query; throws a TypeError on anything else. */
export function kafkaEndpoint(url, advertise) {
  const u = new URL(url);
  const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[u.protocol];
  if (!scheme) throw new TypeError(`the Kafdo URL must be http(s):// or ws(s)://, not ${url}`);
  u.protocol = scheme;
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/kafka`;
  /* The colon is legal in a query; kept readable for logs and for the Worker. */
  u.search = `?advertise=${encodeURIComponent(advertise).replaceAll('%3A', ':')}`;
  u.hash = '';
  return u.href;
}

/* A Kafdo URL as HTTP (what the Kafka port's answer to an HTTP request points to). */
function httpUrl(url) {
  const u = new URL(url);
  u.protocol = { 'ws:': 'http:', 'wss:': 'https:' }[u.protocol] ?? u.protocol;
  u.username = u.password = u.search = u.hash = '';
  return u.href.replace(/\/$/, '');
}

/* The first four bytes of every HTTP method's request line. Each, read as a size
 * prefix, is over a gigabyte, so only a size already refused is looked at. */
const HTTP_STARTS = ['GET ', 'HEAD', 'POST', 'PUT ', 'DELE', 'OPTI', 'PATC', 'CONN', 'TRAC'];

function isHttpRequest(size) {
  const head = Buffer.alloc(4);
  head.writeInt32BE(size, 0);
  return HTTP_STARTS.includes(head.toString('latin1'));
}

/* The answer to an HTTP request on the Kafka port: 400 with Kafdo's error shape. */
function httpHint(kafdoUrl) {
  const body = `${JSON.stringify({
    error: {
      code: 'INVALID_REQUEST',
      message: `this is Kafdo's Kafka port, for Kafka clients (kafdo gateway); Kafdo's HTTP API is at ${kafdoUrl}`,
    },
  })}\n`;
  return (
    'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/*
 * Opens one WebSocket to wsUrl and closes it at once: undefined when the Worker took it,
 * else why not, as text: the connection error, or the HTTP status the Worker (or whatever
 * answers at that URL) gave, with Kafdo's error message when the body has one.
 */
export function reachWorker(wsUrl, headers) {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { headers, perMessageDeflate: false, handshakeTimeout: CHECK_TIMEOUT_MS });
    ws.on('open', () => {
      resolve(undefined);
      ws.close(1000);
    });
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        let message;
        try {
          const { code, message: text } = JSON.parse(body).error;
          message = `${code}: ${text}`;
        } catch {}
        resolve(`HTTP ${res.statusCode}${message ? ` ${message}` : ''}`);
        req.destroy();
      });
    });
    /* Node gives an AggregateError with an empty message when every address refused. */
    ws.on('error', (e) => resolve(e.message || e.code || String(e)));
  });
}

/*
 * Cuts a byte stream into Kafka frames, as sans-IO as the core's decoders: push() takes
 * each chunk as it comes and calls onFrame(frame) for every complete frame, prefix
 * included; a frame is a view of the chunk when the chunk holds it whole, else one copy.
 * A size prefix outside MIN_FRAME..MAX_FRAME calls onBadSize(size) and the splitter
 * takes nothing more (the connection is closing).
 */
export function frameSplitter(onFrame, onBadSize) {
  let chunks = [];
  let buffered = 0;
  let need = -1; /* the current frame's length with its prefix; -1 until the prefix is read */
  let broken = false;
  return function push(chunk) {
    if (broken) return;
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (need < 0) {
        if (buffered < 4) return;
        if (chunks[0].length < 4) chunks = [Buffer.concat(chunks, buffered)];
        const size = chunks[0].readInt32BE(0);
        if (size < MIN_FRAME || size > MAX_FRAME) {
          broken = true;
          chunks = [];
          return onBadSize(size);
        }
        need = 4 + size;
      }
      if (buffered < need) return;
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
      const rest = all.subarray(need);
      onFrame(all.subarray(0, need));
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      need = -1;
    }
  };
}

export function startGateway({
  listen = '127.0.0.1:9092',
  url = 'http://127.0.0.1:8787',
  token,
  advertise,
  tls,
  idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
  maxConnections = DEFAULT_MAX_CONNECTIONS,
  verbose = false,
  log = (line) => process.stderr.write(`kafdo gateway: ${line}\n`),
} = {}) {
  if (!Number.isSafeInteger(idleTimeoutMs) || idleTimeoutMs < 0)
    throw new TypeError(`idleTimeoutMs must be an integer >= 0, not ${idleTimeoutMs}`);
  if (!Number.isSafeInteger(maxConnections) || maxConnections < 1)
    throw new TypeError(`maxConnections must be an integer >= 1, not ${maxConnections}`);
  const bind = parseHostPort(listen);
  if (!bind) throw new TypeError(`--listen takes host:port, not ${JSON.stringify(listen)}`);
  if (advertise !== undefined && !parseHostPort(advertise)?.port) {
    throw new TypeError(`--advertise takes host:port, not ${JSON.stringify(advertise)}`);
  }
  kafkaEndpoint(url, 'x:1'); /* a bad URL fails now, not at the first connection */

  const connections = new Set();
  /* With { cert, key } (PEM) clients connect with TLS (kafkajs's `ssl: true`,
   * librdkafka's security.protocol=ssl); the relay ends TLS and carries the frames. */
  const server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }) : createServer({ noDelay: true });
  const accepted = tls ? 'secureConnection' : 'connection';

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host || undefined, () => {
      server.off('error', reject);
      server.on('error', (e) => log(`server error: ${e.message}`));
      const { port } = server.address();
      const wildcard = ['', '0.0.0.0', '::'].includes(bind.host);
      /* As Kafka's advertised.listeners: the listener's own address, or the machine's
       * name when listening on every interface. */
      const advertised = advertise ?? formatHostPort(wildcard ? hostname() : bind.host, port);
      const wsUrl = kafkaEndpoint(url, advertised);
      const headers = token ? { Authorization: `Bearer ${token}` } : {};
      const kafdoUrl = httpUrl(url);
      server.on(accepted, (socket) => {
        if (connections.size >= maxConnections) {
          log(
            `${formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0)}: ${maxConnections} connections are open (the most allowed); connection closed`,
          );
          return socket.destroy();
        }
        socket.setNoDelay(true);
        relay(socket, { wsUrl, headers, kafdoUrl, verbose, log, connections, idleTimeoutMs });
      });
      if (tls) server.on('tlsClientError', (e, socket) => verbose && log(`${socket.remoteAddress}: TLS: ${e.message}`));
      resolve({
        host: bind.host,
        port,
        advertise: advertised,
        wsUrl,
        buffered: () => {
          let toClients = 0;
          let toWorker = 0;
          for (const c of connections) {
            toClients += c.toClient();
            toWorker += c.toWorker();
          }
          return { connections: connections.size, toClients, toWorker };
        },
        checkWorker: () => reachWorker(wsUrl, headers),
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            for (const c of connections) c.shutdown();
          }),
      });
    });
  });
}

/* One TCP connection and its WebSocket, until either closes. */
function relay(socket, { wsUrl, headers, kafdoUrl, verbose, log, connections, idleTimeoutMs }) {
  const peer = formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
  const ws = new WebSocket(wsUrl, {
    headers,
    perMessageDeflate: false,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    /* Responses are bounded by what the client asked for (fetch.max.bytes), not here. */
    maxPayload: 0,
  });
  const queue = []; /* frames read before the WebSocket opened */
  let unsent = 0; /* bytes given to the WebSocket (or queued) and not yet in the kernel */
  let closing = false; /* the TCP side is closed or being closed: nothing more to log */
  let ping;
  if (verbose) log(`${peer}: connected`);

  /* Ends both sides: gracefully when the relay refuses a frame, at once on shutdown. */
  const end = (graceful) => {
    closing = true;
    socket.destroy();
    if (ws.readyState === WebSocket.OPEN && graceful) ws.close(1000);
    else if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
  };
  const connection = { shutdown: () => end(false), toClient: () => socket.writableLength, toWorker: () => unsent };
  connections.add(connection);

  const sendPiece = (piece) =>
    ws.send(piece, { binary: true }, () => {
      unsent -= piece.length;
      if (unsent <= LOW_WATER && socket.isPaused() && !closing) socket.resume();
    });
  const send = (frame) => {
    for (let at = 0; at < frame.length; at += MAX_MESSAGE) sendPiece(frame.subarray(at, at + MAX_MESSAGE));
  };
  const push = frameSplitter(
    (frame) => {
      unsent += frame.length;
      if (ws.readyState === WebSocket.OPEN) send(frame);
      else queue.push(frame);
      if (unsent > HIGH_WATER) socket.pause();
    },
    (size) => {
      if (isHttpRequest(size)) {
        log(
          `${peer}: an HTTP request on the Kafka port; answered 400 (Kafdo's HTTP is at ${kafdoUrl}), connection closed`,
        );
        closing = true;
        /* Both sides end once the answer is written: the WebSocket's end destroys the socket. */
        return socket.end(httpHint(kafdoUrl), () => end(true));
      }
      log(`${peer}: a frame of size ${size} (Kafdo takes ${MIN_FRAME} to ${MAX_FRAME} bytes); connection closed`);
      end(true);
    },
  );

  socket.on('data', push);
  if (idleTimeoutMs > 0) {
    socket.setTimeout(idleTimeoutMs, () => {
      log(`${peer}: idle for ${idleTimeoutMs} ms; connection closed`);
      end(true);
    });
  }
  socket.on('drain', () => ws.resume());
  socket.on('error', (e) => verbose && log(`${peer}: ${e.message}`));
  socket.on('close', () => {
    closing = true;
    if (verbose) log(`${peer}: closed`);
    /* A WebSocket still connecting sends its queued frames first (see 'open'). */
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  });

  ws.on('open', () => {
    for (const frame of queue.splice(0)) send(frame);
    if (closing) return ws.close(1000);
    ping = setInterval(() => ws.ping(), PING_INTERVAL_MS);
  });
  ws.on('message', (data, isBinary) => {
    if (socket.destroyed) return;
    if (!isBinary) {
      log(`${peer}: the Worker sent a text message; connection closed`);
      return end(true);
    }
    if (!socket.write(data)) ws.pause();
  });
  ws.on('error', (e) => {
    if (!closing) log(`${peer}: WebSocket to ${wsUrl}: ${e.message}`);
    closing = true;
    socket.destroy();
  });
  /* The last event of a connection, whichever side ended it. */
  ws.on('close', (code, reason) => {
    connections.delete(connection);
    clearInterval(ping);
    if (!closing && code !== 1000 && code !== 1005) {
      log(`${peer}: the Worker closed the connection (${code}${reason.length > 0 ? ` ${reason}` : ''})`);
    }
    /* The Worker's last answers (a SASL failure before the close, as Kafka sends it)
     * reach the client first: the socket ends once they are written, and is destroyed
     * if the client does not take them within FLUSH_TIMEOUT_MS. */
    socket.end();
    setTimeout(() => socket.destroy(), FLUSH_TIMEOUT_MS).unref();
  });
}
