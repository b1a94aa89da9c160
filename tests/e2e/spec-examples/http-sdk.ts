/*
 * http-sdk.ts — the "HTTP Client SDK" example of the spec (kafdo-README.md), exactly as
 * written there, below this comment. tests/e2e/spec-examples.test.mjs and
 * tests/e2e/package.test.mjs run it with Node against a `wrangler dev` whose KAFDO_TOKEN is
 * the example's "your-token", after putting the address of that dev server where the
 * example says https://kafdo.your-domain.workers.dev (its one placeholder), and check it
 * with tsc against the package's types.
 */
import { KafdoClient } from 'kafdo/client'

// Create client pointing to your Kafdo deployment
const client = new KafdoClient({
  baseUrl: 'https://kafdo.your-domain.workers.dev',
  clientId: 'my-app',
  timeout: 30000,
  headers: {
    'Authorization': 'Bearer your-token'
  }
})

// Check service health
const health = await client.health()
console.log('Status:', health.status)

// Producer operations
const producer = client.producer({ defaultTopic: 'events' })

await producer.send({
  key: 'user-123',
  value: { type: 'page_view', page: '/home' }
})

await producer.sendBatch([
  { key: 'user-123', value: { type: 'click', button: 'signup' } },
  { key: 'user-456', value: { type: 'page_view', page: '/about' } }
])

// Consumer operations
const consumer = client.consumer({
  groupId: 'analytics-processor',
  topics: ['events'],
  autoCommit: true
})

// Connect and join consumer group
const joinResult = await consumer.connect()
console.log('Member ID:', joinResult.memberId)

// Fetch messages from a partition
const { messages } = await consumer.fetch('events', 0, { offset: 0, limit: 100 })

for (const msg of messages) {
  console.log(`${msg.key}: ${JSON.stringify(msg.value)}`)
}

// Commit offsets
await consumer.commit()

// Get partition offsets
const offsets = await consumer.getOffsets('events', 0)
console.log(`Earliest: ${offsets.earliest}, Latest: ${offsets.latest}`)

// Disconnect from consumer group
await consumer.disconnect()

// Admin operations
const admin = client.admin()

await admin.createTopic({ topic: 'logs', partitions: 5 })

const topics = await admin.listTopics()
const topicInfo = await admin.describeTopic('logs')
const groups = await admin.listGroups()
const groupInfo = await admin.describeGroup('analytics-processor')

await admin.addPartitions('logs', 10)
await admin.deleteTopic('old-logs')
await admin.deleteGroup('old-group')
