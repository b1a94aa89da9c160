/*
 * input.ts — reading what a client sent: the JSON body, and base64. Its shape is
 * checked against the endpoint's schemas by validate.ts.
 *
 * Everything here is about the HTTP form of a request, never about Kafka. Every
 * refusal is INVALID_REQUEST (400), except a body that is too large (413) or not
 * declared as JSON (415).
 *
 * Bodies are read with a limit (MAX_BODY_BYTES), checked against Content-Length
 * before reading and again while reading, since Content-Length may be absent
 * (chunked) or wrong.
 */
import { readBodyWithin } from "../common/body";
import { HttpError, invalidRequest } from "./errors";

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

function isJsonMediaType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const type = contentType.split(";", 1)[0]!.trim().toLowerCase();
  return type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/* The request body parsed as JSON. */
export async function readJson(request: Request): Promise<unknown> {
  if (!isJsonMediaType(request.headers.get("content-type"))) {
    throw new HttpError("UNSUPPORTED_MEDIA_TYPE", "the body must be JSON, sent with content-type application/json");
  }
  const bytes = await readBodyWithin(
    request,
    MAX_BODY_BYTES,
    () => new HttpError("PAYLOAD_TOO_LARGE", `the body is larger than ${MAX_BODY_BYTES} bytes`),
  );

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw invalidRequest("the body is not valid UTF-8");
  }
  if (text.trim() === "") throw invalidRequest("the body is empty; a JSON document was expected");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalidRequest(`the body is not valid JSON: ${(e as Error).message}`);
  }
}

/* An object without a prototype, so that a header or config named "__proto__" is
 * an ordinary key. */
export function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/* ---- base64 (RFC 4648 section 4, with padding) -------------------------------- */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function fromBase64(v: unknown, where: string): Uint8Array {
  if (typeof v !== "string" || !BASE64.test(v)) {
    throw invalidRequest(`${where} must be a base64 string (standard alphabet, padded)`);
  }
  const binary = atob(v);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}
