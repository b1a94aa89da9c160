/*
 * rpc-metrics.ts — counts the calls to KafdoService's RPC methods for /metrics (the
 * "rpc" door): each method of the entrypoint's class is wrapped once, at load, to
 * time it and note the KafdoError it fails with. fetch() is the REST API's door and
 * is counted there.
 */
import { metricsEnabled, recordRequest } from "../common/metrics";
import type { Env } from "../durable-objects/bindings";
import { KafdoError } from "../common/errors";
import { reportDoorStats } from "./metrics";

type Entrypoint = { env: Env; ctx: ExecutionContext };

function codeOf(e: unknown): string {
  return KafdoError.from(e)?.name ?? "UNKNOWN_SERVER_ERROR";
}

export function countRpcCalls(cls: { prototype: object }): void {
  const proto = cls.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = proto[name];
    if (name === "constructor" || name === "fetch" || typeof method !== "function") continue;
    proto[name] = function (this: Entrypoint, ...args: unknown[]): unknown {
      if (!metricsEnabled(this.env)) return method.apply(this, args);
      const started = Date.now();
      const done = (code?: string): void => {
        recordRequest("rpc", name, Date.now() - started, code);
        const report = reportDoorStats(this.env);
        if (report) this.ctx.waitUntil(report);
      };
      let result: unknown;
      try {
        result = method.apply(this, args);
      } catch (e) {
        done(codeOf(e));
        throw e;
      }
      if (!(result instanceof Promise)) {
        done();
        return result;
      }
      return result.then(
        (value: unknown) => {
          done();
          return value;
        },
        (e: unknown) => {
          done(codeOf(e));
          throw e;
        },
      );
    };
  }
}
