/*
 * json.ts — JSON answers that carry stored JSON text as it is.
 *
 * A record value stored as UTF-8 JSON text is shown on the REST API as JSON. Parsing
 * that text and writing it again would not give the stored value back: a number past
 * 2^53 loses digits, and the writers recurse (Response.json always, JSON.stringify on
 * most shapes), so a value nested deeply enough, which the iterative JSON.parse
 * accepts, overflows the stack and fails every read that covers it. So the text
 * travels as a RawJson, and jsonResponse splices it into the answer unchanged.
 *
 * The rest of the answer is stringified with each RawJson replaced by a string
 * placeholder: a random token, fresh for each answer, and the raw text's index. No
 * string in a record can be taken for a placeholder because none can know the token;
 * one pass over the stringified answer then swaps each quoted placeholder for its
 * text.
 */

export class RawJson {
  /* `text` is JSON text; whoever makes a RawJson has checked that (JSON.parse). */
  constructor(readonly text: string) {}
}

/* JSON.stringify(body), with each RawJson in it written as its text. */
export function stringifyJson(body: unknown): string {
  const token = crypto.randomUUID();
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (!(value instanceof RawJson)) return value;
    raws.push(value.text);
    return `${token}:${raws.length - 1}`;
  });
  if (raws.length === 0) return text;
  return text.replace(new RegExp(`"${token}:(\\d+)"`, "g"), (_match, i: string) => raws[Number(i)]!);
}

/* Response.json(body), with each RawJson in it written as its text. */
export function jsonResponse(body: unknown): Response {
  return new Response(stringifyJson(body), { headers: { "content-type": "application/json" } });
}

const utf8 = new TextEncoder();

/* A JSON answer made of text around JSON bytes the core wrote (a REST read's
 * messages): written out as they are, never parsed. */
export function splicedJsonResponse(before: string, json: Uint8Array, after: string): Response {
  const head = utf8.encode(before);
  const tail = utf8.encode(after);
  const body = new Uint8Array(head.length + json.length + tail.length);
  body.set(head);
  body.set(json, head.length);
  body.set(tail, head.length + json.length);
  return new Response(body, { headers: { "content-type": "application/json" } });
}
