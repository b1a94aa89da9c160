/*
 * rpc.ts — how a refusal crosses the Durable Object RPC boundary: as a value.
 *
 * A refusal is a KafdoError with a Kafka error code (INVALID_TOPIC_EXCEPTION,
 * NON_EMPTY_GROUP, OFFSET_OUT_OF_RANGE, ...): the request was wrong, not the
 * server, and the client is told so. workerd logs every exception thrown out of a
 * Durable Object's RPC method as "Uncaught", even when the caller catches it, so
 * thrown refusals filled `wrangler dev`'s output with errors for requests that
 * were answered correctly. Instead:
 *
 *   - answerRefusals(Class), called once after each Durable Object class, makes
 *     every RPC method of the class return a refusal as a value ({ kafdoRefusal:
 *     { code, message } }) instead of throwing it or rejecting with it;
 *   - throwRefusals(stub), which addressing.ts puts around every stub it hands
 *     out, throws such a value again as the KafdoError it was, on the caller's side.
 *
 * Everything else (a bug, a storage failure, the core's own negative codes) is
 * still thrown, and so still logged: an operator sees errors only where something
 * went wrong. Such errors lose their class crossing RPC (workerd keeps the name
 * only); the stub restores the KafdoError behind one (KafdoError.from).
 *
 * A Durable Object's own code never calls its public methods (those answer
 * refusals as values): it calls #private ones, which are not RPC methods.
 *
 * Durable Object RPC itself needs compatibility_date 2024-04-03 or later (or the
 * "rpc" compatibility flag). Without it a stub has no methods, and the first call
 * on one would fail with "cluster.ensureTopic is not a function"; throwRefusals
 * says instead what the Worker's configuration lacks (runtimeLacks, common/errors.ts).
 */
import { KafdoError, runtimeLacks } from "../common/errors";

/* A refusal as it travels: a plain object, as RPC can carry it. */
interface Refusal {
  kafdoRefusal: { code: number; message: string };
}

/* Methods the runtime calls itself, not RPC: a failure there must stay thrown. */
const NOT_RPC = new Set(["constructor", "fetch", "alarm", "webSocketMessage", "webSocketClose", "webSocketError"]);

function refusalOf(e: unknown): Refusal {
  if (!(e instanceof KafdoError) || e.code < 0) throw e;
  return { kafdoRefusal: { code: e.code, message: e.message } };
}

function isRefusal(v: unknown): v is Refusal {
  return typeof v === "object" && v !== null && "kafdoRefusal" in v;
}

/* Makes each RPC method of a Durable Object class answer a refusal as a value. */
export function answerRefusals(klass: { prototype: object }): void {
  const proto = klass.prototype;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name)!;
    if (NOT_RPC.has(name) || typeof d.value !== "function") continue;
    const method: (...args: unknown[]) => unknown = d.value;
    d.value = function answering(this: unknown, ...args: unknown[]): unknown {
      let out;
      try {
        out = method.apply(this, args);
      } catch (e) {
        return refusalOf(e);
      }
      return out instanceof Promise ? out.catch(refusalOf) : out;
    };
    Object.defineProperty(proto, name, d);
  }
}

/* The answer of an RPC call; its refusal, or the KafdoError behind an error that
 * crossed RPC, thrown as a KafdoError. */
async function answerOf<T>(call: () => T | Promise<T>): Promise<T> {
  let out;
  try {
    out = await call();
  } catch (e) {
    throw KafdoError.from(e) ?? e;
  }
  if (isRefusal(out)) throw new KafdoError(out.kafdoRefusal.code, out.kafdoRefusal.message);
  return out;
}

/*
 * The stub, whose method calls resolve to the method's answer or throw its
 * refusal as a KafdoError. Other members (id, name) are the stub's own.
 */
export function throwRefusals<T extends object>(stub: T): T {
  return new Proxy(stub, {
    get(target, name) {
      const member: unknown = Reflect.get(target, name);
      if (typeof member === "function") {
        return (...args: unknown[]) => answerOf(() => Reflect.apply(member, target, args));
      }
      /* With RPC every name is a method; without it, only fetch() is. (`then` is
       * asked of anything awaited: a stub is not a promise either way.) */
      if (member === undefined && typeof name === "string" && name !== "then") {
        throw runtimeLacks(`Durable Object RPC (its Durable Object stubs have no method ${name}())`);
      }
      return member;
    },
  });
}
