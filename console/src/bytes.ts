/*
 * bytes.ts — a record's key, value or header value, shown for what its bytes are.
 *
 * The browser reads messages with encoding=base64, so it has the exact stored bytes,
 * and decides here: UTF-8 JSON text is shown indented (re-indented as text, never
 * parsed into numbers, so 9007199254740993 stays as stored); other UTF-8 text as it
 * is; anything else as a hex dump and base64.
 */
export type Shown =
  | { kind: "null" }
  | { kind: "json"; text: string }
  | { kind: "text"; text: string }
  | { kind: "binary"; hex: string; base64: string; length: number };

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function fromBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function classify(b64: string | null | undefined): Shown {
  if (b64 === null || b64 === undefined) return { kind: "null" };
  const bytes = fromBase64(b64);
  let text: string | null = null;
  try {
    text = utf8.decode(bytes);
  } catch {}
  if (text !== null && bytes.length > 0) {
    try {
      JSON.parse(text);
      return { kind: "json", text: indentJson(text) };
    } catch {}
    if (!/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return { kind: "text", text };
  }
  return { kind: "binary", hex: hexDump(bytes), base64: b64, length: bytes.length };
}

/* 16 bytes a line: offset, hex, and the printable ASCII beside it. */
export function hexDump(bytes: Uint8Array, max = 512): string {
  const lines: string[] = [];
  for (let i = 0; i < Math.min(bytes.length, max); i += 16) {
    const row = bytes.subarray(i, Math.min(i + 16, bytes.length));
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${i.toString(16).padStart(6, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > max) lines.push(`… ${bytes.length - max} more bytes`);
  return lines.join("\n");
}

/* Valid JSON text laid out with two-space indents, token by token: strings and numbers
 * are copied as they are. */
export function indentJson(text: string): string {
  let out = "";
  let depth = 0;
  const newline = () => "\n" + "  ".repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      const rest = text.slice(i + 1).trimStart();
      if (rest.startsWith(close)) {
        out += c + close;
        i = text.indexOf(close, i + 1);
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === "}" || c === "]") {
      depth--;
      out += newline() + c;
    } else if (c === ",") {
      out += "," + newline();
    } else if (c === ":") {
      out += ": ";
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}
