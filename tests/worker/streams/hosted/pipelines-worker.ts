/*
 * A user's Worker hosting two continuous pipelines: Kafdo's Worker (its REST API and
 * Durable Objects, re-exported) plus two PipelineDO classes, as a user would write
 * them. The hosted-pipeline tests run in it (vitest.pipelines.config.ts) and so does the
 * kill -9 test (tests/e2e/streams-crash.test.mjs, under wrangler dev with
 * wrangler.toml here). POST /pipelines/<clicks|orders>/<start|stop|status|step>
 * reaches the pipeline's object (named after its input).
 */
import kafdo from "../../../../worker/index";
import type { KafdoBindings } from "../../../../worker/durable-objects/bindings";
import { PipelineDO } from "../../../../worker/streams";

export * from "../../../../worker/index";

interface Click {
  user: string;
}
interface Order {
  amount: number;
}

/* A windowed count: clicks per user per minute, 20 s of grace; small steps. */
export class ClickCounts extends PipelineDO {
  protected override readonly recordsPerStep = 37;

  pipeline(from: Parameters<PipelineDO["pipeline"]>[0]) {
    return from("clicks")
      .window("1 minute", { grace: "20 seconds" })
      .groupBy((c: Click) => c.user)
      .count()
      .to("click-counts");
  }
}

/* filter, map, to. */
export class HighValueOrders extends PipelineDO {
  pipeline(from: Parameters<PipelineDO["pipeline"]>[0]) {
    return from("orders")
      .filter((o: Order) => o.amount > 100)
      .map((o: Order) => ({ ...o, tier: "premium" }))
      .to("high-value-orders");
  }
}

/* A count per key, not windowed: each step writes each changed key's new count. */
export class AmountBuckets extends PipelineDO {
  protected override readonly recordsPerStep = 25;

  pipeline(from: Parameters<PipelineDO["pipeline"]>[0]) {
    return from("orders")
      .groupBy((o: Order) => `bucket-${o.amount % 3}`)
      .count()
      .to("amount-buckets");
  }
}

/* A window that does not parse: start() is refused and nothing runs. */
export class BadWindow extends PipelineDO {
  pipeline(from: Parameters<PipelineDO["pipeline"]>[0]) {
    return from("orders").window("5 minutez").count().to("never-written");
  }
}

export interface PipelinesEnv extends KafdoBindings {
  BAD_WINDOW: DurableObjectNamespace<BadWindow>;
  AMOUNT_BUCKETS: DurableObjectNamespace<AmountBuckets>;
  CLICK_COUNTS: DurableObjectNamespace<ClickCounts>;
  HIGH_VALUE_ORDERS: DurableObjectNamespace<HighValueOrders>;
}

export function pipelineStub(env: PipelinesEnv, input: "clicks" | "orders") {
  const ns = input === "clicks" ? env.CLICK_COUNTS : env.HIGH_VALUE_ORDERS;
  return ns.get(ns.idFromName(input));
}

export default {
  async fetch(request: Request, env: PipelinesEnv, ctx: ExecutionContext): Promise<Response> {
    const m = /^\/pipelines\/(clicks|orders)\/(start|stop|status|step)$/.exec(new URL(request.url).pathname);
    if (!m || request.method !== "POST") return kafdo.fetch(request, env, ctx);
    const stub = pipelineStub(env, m[1] as "clicks" | "orders");
    switch (m[2]) {
      case "start":
        return Response.json(await stub.start());
      case "stop":
        return Response.json(await stub.stop());
      case "step":
        return Response.json({ read: await stub.step() });
      default:
        return Response.json(await stub.status());
    }
  },
  queue: kafdo.queue,
};
