/*
 * user-worker.ts — the src/index.ts of a user's Worker built from the npm package
 * (tests/e2e/package.test.mjs), beside the spec's wrangler.toml and Env (env.d.ts):
 *
 *   - it re-exports the three Durable Object classes from `kafdo`, as the spec's
 *     Configuration section asks of the user's Worker;
 *   - GET /producer-example runs the spec's Producer API example (producer.ts) as
 *     written;
 *   - everything else goes to Kafdo's own Worker from the package (`kafdo/worker`):
 *     the REST API, through which the test reads back what the example produced,
 *     with kafdo/client from Node.
 */
import kafdo from 'kafdo/worker'
import producerExample from './producer'

export { TopicPartitionDO, ConsumerGroupDO, ClusterMetadataDO } from 'kafdo'

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    if (new URL(request.url).pathname === '/producer-example') {
      return producerExample.fetch(request, env)
    }
    return kafdo.fetch(request, env)
  }
}
