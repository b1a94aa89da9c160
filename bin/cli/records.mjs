/*
 * records.mjs — records between the command line's text and kafdo/client, for
 * `kafdo produce` and `kafdo consume`.
 *
 * Input (produce): one record a line. With --key-separator SEP a line is
 * KEY<SEP>VALUE (split at the first SEP); with --header-separator SEP it starts with
 * the headers, name:value pairs separated by commas, then SEP (Kafka's console
 * producer's parse.headers, with its headers.separator "," and headers.key.separator
 * ":"). The value is JSON text (stored as the very text given; null is a tombstone)
 * or, with --raw, any text, stored as its UTF-8 bytes.
 *
 * Output (consume): --format json (the default) is the REST API's record shape, one
 * JSON object a line; raw is the value alone (bytes as they are, JSON compact); any
 * other format is a kcat -f format string (raw and %s print a value that is text,
 * or a JSON string, as the text itself, other JSON compactly, bytes as they are):
 *
 *   %t topic  %p partition  %o offset  %T timestamp (ms)  %k key  %K key length
 *   %s value  %S value length  %h headers (name=value,...)  %%  and \n \t \r \\
 */

export class InputError extends Error {}

const encoder = new TextEncoder();

function base64(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/* A value as given: JSON checked (its UTF-8 bytes, or null for a tombstone), or raw text. */
export function valueOf(text, where, raw) {
  if (raw) return encoder.encode(text);
  try {
    JSON.parse(text);
  } catch {
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    throw new InputError(`${where} is not JSON: ${shown} (a string is quoted: '"text"'; --raw takes any text)`);
  }
  return text.trim() === 'null' ? null : encoder.encode(text);
}

/* "name:value,name:value" as a headers object (a name may not be empty). */
function headersOf(text, where) {
  const headers = {};
  if (text === '') return headers;
  for (const pair of text.split(',')) {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new InputError(`${where}: header ${JSON.stringify(pair)} is not name:value`);
    Object.defineProperty(headers, pair.slice(0, colon), {
      value: pair.slice(colon + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return headers;
}

/* One stdin line as a record's { key?, headers?, value }; InputError names the line. */
export function parseLine(line, lineNumber, { keySeparator, headerSeparator, raw }) {
  const where = `stdin line ${lineNumber}`;
  let rest = line;
  const record = {};
  if (headerSeparator !== undefined) {
    const at = rest.indexOf(headerSeparator);
    if (at < 0) throw new InputError(`${where} has no header separator ${JSON.stringify(headerSeparator)}`);
    record.headers = headersOf(rest.slice(0, at), where);
    rest = rest.slice(at + headerSeparator.length);
  }
  if (keySeparator !== undefined) {
    const at = rest.indexOf(keySeparator);
    if (at < 0) throw new InputError(`${where} has no key separator ${JSON.stringify(keySeparator)}`);
    record.key = rest.slice(0, at);
    rest = rest.slice(at + keySeparator.length);
  }
  record.value = valueOf(rest, where, raw);
  return record;
}

/* ---- output ---------------------------------------------------------------------- */

/* A consumed record as the REST API shows it: what kafdo/client gives as bytes (not
 * UTF-8, or for a value not JSON nor text) goes to a *Base64 sibling field. */
export function jsonLine(r) {
  const line = { topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp };
  if (r.key instanceof Uint8Array) line.keyBase64 = base64(r.key);
  else line.key = r.key;
  if (r.value instanceof Uint8Array) line.valueBase64 = base64(r.value);
  else line.value = r.value;
  line.headers = {};
  for (const [name, v] of Object.entries(r.headers)) {
    if (v instanceof Uint8Array) (line.headersBase64 ??= {})[name] = base64(v);
    else line.headers[name] = v;
  }
  return `${JSON.stringify(line)}\n`;
}

/* A key, value or header as bytes: text as UTF-8, JSON compact, null as nothing. */
function bytesOf(v) {
  if (v === null || v === undefined) return Buffer.alloc(0);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');
}

/* A consumed value's bytes for raw and %s: bytes as stored, text as text (the REST
 * API gives text that is not JSON as a string, as it does a JSON string: both print
 * unquoted), any other JSON value compact. */
const valueBytes = bytesOf;

const ESCAPES = { n: '\n', t: '\t', r: '\r', '\\': '\\' };

/* A kcat -f format string compiled to a function of a record giving a Buffer;
 * InputError for an unknown %x or \x. */
export function compileFormat(format) {
  const parts = [];
  let literal = '';
  const flush = () => {
    if (literal) parts.push(Buffer.from(literal, 'utf8'));
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c === '\\' && i + 1 < format.length) {
      const e = ESCAPES[format[++i]];
      if (e === undefined) throw new InputError(`--format: unknown escape \\${format[i]}`);
      literal += e;
    } else if (c === '%' && i + 1 < format.length) {
      const t = format[++i];
      if (t === '%') {
        literal += '%';
        continue;
      }
      const field = {
        t: (r) => bytesOf(r.topic),
        p: (r) => bytesOf(String(r.partition)),
        o: (r) => bytesOf(String(r.offset)),
        T: (r) => bytesOf(String(r.timestamp)),
        k: (r) => bytesOf(r.key),
        K: (r) => bytesOf(String(r.key === null ? -1 : bytesOf(r.key).length)),
        s: (r) => valueBytes(r.value),
        S: (r) => bytesOf(String(r.value === null ? -1 : valueBytes(r.value).length)),
        h: (r) =>
          Buffer.concat(
            Object.entries(r.headers).flatMap(([name, v], n) => [
              Buffer.from(`${n ? ',' : ''}${name}=`, 'utf8'),
              bytesOf(v),
            ]),
          ),
      }[t];
      if (!field) throw new InputError(`--format: unknown field %${t} (kafdo consume --help lists them)`);
      flush();
      parts.push(field);
    } else {
      literal += c;
    }
  }
  flush();
  return (r) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : p(r))));
}

/* The writer of consumed records for --format. */
export function recordWriter(format = 'json') {
  if (format === 'json') return jsonLine;
  if (format === 'raw') return (r) => Buffer.concat([valueBytes(r.value), Buffer.from('\n')]);
  return compileFormat(format);
}
