#!/usr/bin/env bash
# run.sh — every Kafdo benchmark in order, under a header that says when and where it
# ran, so the figures can be quoted with their machine (the README's "figures" section).
# Run by `make bench`, which builds wasm/kafdo.wasm, build/bench_native and
# build/kafka_stub_broker first.
# Prints figures; never passes or fails on time. SECONDS_PER_FIGURE (default 1) sets
# how long each figure is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
secs="${SECONDS_PER_FIGURE:-1}"

cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "Kafdo benchmarks — $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "CPU: ${cpu:-unknown} ($(nproc) cores), $(uname -sr), Node $(node --version)"
echo

node bench/codec.mjs --seconds "$secs"
echo

if [ -x build/bench_native ]; then
  build/bench_native log --seconds "$secs"
else
  echo "log: build/bench_native is absent (make bench builds it)"
fi
echo

if [ -x build/bench_lifecycle ]; then
  build/bench_lifecycle --seconds "$secs"
else
  echo "lifecycle: build/bench_lifecycle is absent (make bench builds it)"
fi
echo

# The cold tier: a partition read from R2 (emulated) beside the same one in SQLite, and
# a month of storage at list prices. COLD_MEGABYTES sets the partition's size.
node --disable-warning=ExperimentalWarning bench/cold-tier.mjs --megabytes "${COLD_MEGABYTES:-32}"
echo

# REST throughput against NATS JetStream and Redis Streams in the same run; installs
# the peers from Debian when they are missing. REST_RECORDS sets records per figure.
bash bench/peers/ensure.sh
node --disable-warning=ExperimentalWarning bench/rest.mjs --records "${REST_RECORDS:-100000}"
echo

# Consumer groups over REST: 4 consumers over 8 partitions, and join-to-stable times.
node bench/groups.mjs --records "${GROUP_RECORDS:-100000}"
echo

# kafdo/client's overhead: the same produce and fetch requests sent with KafdoClient and
# with raw fetch, as a ratio. CLIENT_RECORDS sets the batched records, CLIENT_SENDS the
# single sends.
node bench/client.mjs --records "${CLIENT_RECORDS:-100000}" --sends "${CLIENT_SENDS:-5000}"
echo

# The commit floor: one row per write in Durable Object SQLite, answered after the output
# gate, beside Kafdo's REST and Kafka produce (ack latency, 16 senders) and bytes stored
# per payload byte. FLOOR_SAMPLES sets the latency samples, FLOOR_MEGABYTES the fill.
node --disable-warning=ExperimentalWarning bench/commit-floor.mjs --samples "${FLOOR_SAMPLES:-1000}" --megabytes "${FLOOR_MEGABYTES:-32}"
echo

# Where one Kafka Produce and one Fetch spend their time: round trips over the Worker's
# WebSocket and through the gateway beside the commit floor's, requests in flight, and a
# V8 profile of the Worker by phase (JS / core / SQLite). BREAKDOWN_SAMPLES sets the
# requests per figure.
node bench/kafka-breakdown.mjs --samples "${BREAKDOWN_SAMPLES:-300}" --profile-requests "${BREAKDOWN_SAMPLES:-300}"
echo

# The Kafka protocol: kafkajs through `kafdo gateway` beside the same workload on
# librdkafka's in-memory mock broker (build/kafka_stub_broker, a broker that stores
# nothing), as ratios. KAFKA_RECORDS sets the records produced per figure, KAFKA_SAMPLES
# the produce-to-consume latency samples.
node bench/kafka.mjs --records "${KAFKA_RECORDS:-200000}" --samples "${KAFKA_SAMPLES:-300}"
echo

# What counting metrics costs produce: metrics on vs KAFDO_METRICS=off, alternating
# rounds (throughput, and server CPU per record and per request).
node bench/metrics-cost.mjs --rounds "${METRICS_ROUNDS:-5}"
echo

# SASL and ACLs on the Kafka port: the same kafkajs workload with KAFDO_KAFKA_SASL off and
# required (SCRAM-SHA-256, ACLs checked on every request), as a ratio.
node bench/sasl.mjs --batches "${SASL_BATCHES:-200}"
echo

# Push consumers (a subscription delivering to a second Worker through a service
# binding) beside the in-Worker consumer, in workerd: records/s.
npx vitest run --config bench/push-consumer.config.ts
echo

# Stream processing (worker/streams/): filter/map/to and a windowed count through the
# stream DSL, beside the in-Worker consumer and producer doing the same by hand: records/s.
npx vitest run --config bench/streams.config.ts
echo

# SQL over a topic: the latency of the spec's example (streaming-README.md) over
# SQL_RECORDS records (default 1,000,000) in 8 partitions, with its time filter (the
# last hour) and without it.
node bench/sql-query.mjs --records "${SQL_RECORDS:-1000000}" --runs "${SQL_RUNS:-5}"
echo

# Transactions: kafkajs's transactional produce (one transaction per send of 100 and of
# 1,000 records over 8 partitions) beside plain produce, as ratios; commit() latency
# (p50/p99); read_committed vs read_uncommitted consume. TXN_RECORDS sets the records.
node bench/transactions.mjs --records "${TXN_RECORDS:-20000}"
