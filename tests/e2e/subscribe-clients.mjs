/*
 * subscribe-clients.mjs — subscribers to GET /topics/:topic/subscribe for the e2e test
 * and the benchmark: a WebSocket (Node 22's global WebSocket) and an event stream
 * (fetch, its body read as Server-Sent Events), each a queue of what arrived with the
 * time it arrived.
 */

/* A queue of arrivals; next() resolves with the next, or rejects after `ms`. */
function arrivals() {
  const items = [];
  const waiting = [];
  return {
    items,
    push(item) {
      const w = waiting.shift();
      if (w) w(item);
      else items.push(item);
    },
    next(ms = 5000) {
      if (items.length) return Promise.resolve(items.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(done), 1);
          reject(new Error(`nothing arrived within ${ms} ms`));
        }, ms);
        const done = (item) => {
          clearTimeout(timer);
          resolve(item);
        };
        waiting.push(done);
      });
    },
  };
}

/* A WebSocket subscriber: next() is { at, message } (message parsed), or { at, closed: {code, reason} }. */
export async function webSocketSubscriber(url, protocols) {
  const queue = arrivals();
  const ws = new WebSocket(url, protocols);
  ws.onmessage = (e) => queue.push({ at: performance.now(), message: JSON.parse(e.data) });
  ws.onclose = (e) => queue.push({ at: performance.now(), closed: { code: e.code, reason: e.reason } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`WebSocket ${url} failed to open`));
  });
  return { ws, next: queue.next, pending: queue.items, close: () => ws.close() };
}

/* The Server-Sent Events of a response body, as { event, id, data } (data parsed), in order; ends with the body.
 * Breaking out of a for await over it cancels the body. */
export async function* serverSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += value;
      let end;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const fields = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
        }
        if (fields.data === undefined) continue;
        yield { event: fields.event ?? 'message', id: fields.id, data: JSON.parse(fields.data) };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/* An event-stream subscriber: next() is { at, event, id, data } (data parsed), or { at, ended: true }. */
export async function eventStreamSubscriber(url, headers = {}) {
  const queue = arrivals();
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  void (async () => {
    try {
      for await (const event of serverSentEvents(res.body)) queue.push({ at: performance.now(), ...event });
    } catch {}
    queue.push({ at: performance.now(), ended: true });
  })();
  return { response: res, next: queue.next, pending: queue.items, close: () => controller.abort() };
}
