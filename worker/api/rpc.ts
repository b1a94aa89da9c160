/*
 * rpc.ts — calling a Durable Object. Errors lose their class crossing RPC; rpc()
 * restores the KafdoError behind one, so callers see Kafka's error names.
 */
import { KafdoError } from "../errors";

export async function rpc<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw KafdoError.from(e) ?? e;
  }
}
