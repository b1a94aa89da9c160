#!/usr/bin/env bash
# ensure.sh — installs the peer brokers that bench/rest.mjs compares Kafdo with, when
# they are missing: NATS JetStream and Redis, both Debian's packages; and librdkafka-dev,
# whose in-memory mock cluster is bench/kafka.mjs's reference broker
# (bench/kafka_stub_broker.c). Idempotent; does nothing when all are there. Needs root
# (or sudo) only when installing.
set -euo pipefail
missing=""
command -v nats-server >/dev/null 2>&1 || missing="$missing nats-server"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
[ -f /usr/include/librdkafka/rdkafka_mock.h ] || missing="$missing librdkafka-dev"
[ -z "$missing" ] && exit 0
echo "bench: installing$missing"
SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian's redis-server package starts a system service on 6379; the benchmark runs
# its own instance on a free port and never uses that one.
