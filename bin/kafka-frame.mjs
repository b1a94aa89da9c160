/*
 * kafka-frame.mjs — the sizes of Kafka request frame Kafdo takes, in one place for
 * both sides of the wire: `kafdo gateway` (bin/gateway.mjs) refuses any other size on
 * the 4-byte size prefix, before reading a byte of the body, and the Worker
 * (worker/kafka/index.ts) refuses the same sizes when it joins the WebSocket messages
 * again. One number, so the relay never buffers a frame the Worker would refuse.
 *
 * Sizes are the size prefix's value: the bytes that follow the prefix.
 *
 * It lives in bin/ because the gateway ships as plain JavaScript from bin/ and needs
 * neither dist/ nor a build; the Worker imports it from here (tsc's allowJs puts a
 * copy in dist/bin/ for the package's Worker entry).
 */

/* The smallest request header: api key, api version, correlation id. */
export const MIN_FRAME = 8;

/* Kafka's socket.request.max.bytes is 100 MiB, but a Worker has 128 MB of memory, and
 * no request a client sends to Kafdo needs more (a stored batch is at most 2 MB; a
 * produce of 16 partitions' batches fits). */
export const MAX_FRAME = 32 * 1024 * 1024;
