/*
 * producer.ts — the spec's "Producer API" example (kafdo-README.md), exactly as written
 * there, below this comment: run inside the user's Worker built from the npm package
 * (tests/e2e/package.test.mjs).
 */
import { createProducer } from 'kafdo'

export default {
  async fetch(request: Request, env: Env) {
    const producer = createProducer(env)

    // Send a single message
    const metadata = await producer.send({
      topic: 'orders',
      key: 'order-123',
      value: { orderId: '123', amount: 99.99 },
      headers: { source: 'web' }
    })

    console.log(`Message sent to partition ${metadata.partition} at offset ${metadata.offset}`)

    // Send multiple messages in a batch
    const results = await producer.sendBatch([
      { topic: 'orders', key: 'order-124', value: { orderId: '124', amount: 49.99 } },
      { topic: 'orders', key: 'order-125', value: { orderId: '125', amount: 149.99 } }
    ])

    await producer.close()

    return new Response('Messages sent')
  }
}
