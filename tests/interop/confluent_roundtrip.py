#!/usr/bin/python3
"""confluent_roundtrip.py — Python's confluent-kafka (Debian's python3-confluent-kafka on
librdkafka 2.0.2) against a Kafka broker: one phase a run, so that each consumer phase is
a new process, as a restarted application is.

    confluent_roundtrip.py create       BROKER TOPIC PARTITIONS
    confluent_roundtrip.py produce      BROKER TOPIC COUNT STATE
    confluent_roundtrip.py consume-half BROKER TOPIC GROUP STATE
    confluent_roundtrip.py consume-rest BROKER TOPIC GROUP STATE
    confluent_roundtrip.py consume-pair BROKER TOPIC GROUP STATE
    confluent_roundtrip.py produce-codec BROKER TOPIC CODEC COUNT
    confluent_roundtrip.py cooperative-grow BROKER TOPIC GROUP
    confluent_roundtrip.py cooperative-delete BROKER TOPIC GROUP
    confluent_roundtrip.py static-restart BROKER TOPIC GROUP
    confluent_roundtrip.py transactions BROKER
    confluent_roundtrip.py create-assigned BROKER TOPIC
    confluent_roundtrip.py broker-configs BROKER

create        AdminClient.create_topics, then list_topics shows the partitions.
produce       COUNT records key-<i>/value-<i> with delivery reports: every one delivered,
              no error, and each partition's offsets 0, 1, 2... in the order produced.
              STATE gets every record's partition and offset.
consume-half  a consumer of GROUP (enable.auto.commit false) reads and commit()s batch by
              batch until at least half the records are read; committed() then names, per
              partition, the offset after the last record read; it reads one more batch
              without committing and closes.
consume-rest  a new consumer of the same GROUP resumes: every partition starts exactly at
              its committed offset (so the uncommitted batch comes again and nothing
              committed does), nothing is read twice, everything it and the first
              consumer's committed batches read is exactly the COUNT records, each at the
              partition and offset its delivery report named, with its key and value.
              It commits, and the committed offsets are the logs' ends (watermarks).
consume-pair  two members of a new GROUP at once: the group rebalances until each has
              its own share of the partitions, and between them, committing as they go
              (and when partitions are revoked), they read every record exactly once.
produce-codec COUNT repetitive records to partition 0 of TOPIC with compression.type CODEC
              (gzip, snappy, lz4, zstd), every one delivered at contiguous offsets; then a
              consumer assigned to partition 0 reads them back at those offsets. How the
              batches were stored is for the caller to check (stored-batches.mjs).
transactions  a Producer with transactional.id: init_transactions, a transaction to both
              partitions of TOPIC committed, the next aborted, each sending offsets of
              group TOPIC-eos (send_offsets_to_transaction: 5, then 9, for partition 0);
              a read_committed consumer then reads both partitions to their end: the
              committed values only. The group's offsets are for the caller to check.
create-assigned  create_topics with a replica assignment: TOPIC with its 3 partitions on
              broker 0 (the one broker) is created, as Kafka on one broker does
              (librdkafka's test 0081); TOPIC-elsewhere, on broker 1, is refused.

broker-configs AdminClient.describe_configs of the BROKER resource "0": every config
              read-only, with its value and source (returned for the caller to check).

Each phase prints one JSON line (a summary) on stdout and exits 0, or prints what is wrong
on stderr and exits 1. No sleeps: poll loops with deadlines. Set KAFDO_INTEROP_DEBUG to
librdkafka debug contexts (e.g. protocol,cgrp) to get its log on stderr.
"""
import json
import os
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

DEADLINE_S = 180


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def errors_to_stderr(err):
    print(f"librdkafka error: {err}", file=sys.stderr, flush=True)


def base_conf(broker):
    conf = {"bootstrap.servers": broker, "error_cb": errors_to_stderr, "broker.address.family": "v4"}
    if os.environ.get("KAFDO_INTEROP_DEBUG"):
        conf["debug"] = os.environ["KAFDO_INTEROP_DEBUG"]
    return conf


def create(broker, topic, partitions):
    admin = AdminClient(base_conf(broker))
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                                  operation_timeout=30, request_timeout=30)
    futures[topic].result(timeout=60)
    md = admin.list_topics(topic=topic, timeout=30)
    t = md.topics[topic]
    check(t.error is None, f"list_topics({topic}): {t.error}")
    check(sorted(t.partitions) == list(range(partitions)), f"partitions {sorted(t.partitions)}")
    for p in t.partitions.values():
        check(p.leader == 0 and p.replicas == [0] and p.isrs == [0], f"partition {p.id}: leader {p.leader}, replicas {p.replicas}, isrs {p.isrs}")
    check(list(md.brokers) == [0], f"brokers {md.brokers}")
    return {"phase": "create", "topic": topic, "partitions": partitions, "brokers": [str(b) for b in md.brokers.values()]}


def produce(broker, topic, count, state_path):
    producer = Producer({**base_conf(broker), "linger.ms": 5, "acks": "all"})
    reports = {}
    errors = []

    def on_delivery(err, msg):
        i = int(msg.key().decode()[len("key-"):])
        if err is not None:
            errors.append(f"record {i}: {err}")
            return
        check(i not in reports, f"record {i} reported twice")
        reports[i] = (msg.partition(), msg.offset())

    deadline = time.monotonic() + DEADLINE_S
    for i in range(count):
        while True:
            try:
                producer.produce(topic, key=f"key-{i}".encode(), value=f"value-{i}".encode(),
                                 headers=[("i", str(i).encode())], on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
            check(time.monotonic() < deadline, f"the producer's queue stayed full; {len(reports)} delivered")
        producer.poll(0)
    while len(producer) > 0 and not errors:
        check(time.monotonic() < deadline, f"{len(producer)} records undelivered at the deadline; {len(reports)} delivered")
        producer.poll(0.5)
    producer.flush(10)
    check(not errors, f"{len(errors)} delivery errors, the first: {errors[:5]}")
    check(len(reports) == count, f"{len(reports)} of {count} delivered")

    per_partition = {}
    for i in range(count):
        p, o = reports[i]
        per_partition.setdefault(p, []).append(o)
    for p, offsets in per_partition.items():
        check(offsets == list(range(len(offsets))),
              f"partition {p}: offsets in the order produced are not 0..{len(offsets) - 1}: "
              f"first differences {[(k, o) for k, o in enumerate(offsets) if o != k][:5]}")
    with open(state_path, "w") as f:
        json.dump({"count": count, "records": [reports[i] for i in range(count)]}, f)
    return {"phase": "produce", "delivered": len(reports),
            "partitions": {str(p): len(o) for p, o in sorted(per_partition.items())}}


def consumer(broker, group):
    return Consumer({**base_conf(broker), "group.id": group, "enable.auto.commit": False,
                     "auto.offset.reset": "earliest", "enable.partition.eof": False})


def take(batch):
    """(partition, offset, key, value, headers) of a batch; an error fails the phase."""
    out = []
    for m in batch:
        if m.error() is not None:
            raise Failure(f"consume: {m.error()}")
        out.append((m.partition(), m.offset(), m.key().decode(), m.value().decode(),
                    [(k, v.decode()) for k, v in (m.headers() or [])]))
    return out


def check_record(state, rec):
    p, o, key, value, headers = rec
    i = int(key[len("key-"):])
    check(value == f"value-{i}", f"record at {p}/{o}: key {key} with value {value}")
    check(headers == [("i", str(i))], f"record at {p}/{o}: headers {headers}")
    check(0 <= i < len(state["records"]), f"record at {p}/{o}: key {key} was never produced")
    check(tuple(state["records"][i]) == (p, o), f"{key} read at {p}/{o}, delivered at {state['records'][i]}")
    return i


def consume_half(broker, topic, group, state_path):
    with open(state_path) as f:
        state = json.load(f)
    count = state["count"]
    c = consumer(broker, group)
    c.subscribe([topic])
    committed_recs = []
    deadline = time.monotonic() + DEADLINE_S
    batches = 0
    while len(committed_recs) < count // 2:
        check(time.monotonic() < deadline, f"read {len(committed_recs)} of {count // 2} by the deadline")
        recs = take(c.consume(num_messages=500, timeout=1.0))
        if not recs:
            continue
        for r in recs:
            check_record(state, r)
        for tp in c.commit(asynchronous=False):
            check(tp.error is None, f"commit {tp.topic}/{tp.partition}: {tp.error}")
        committed_recs.extend(recs)
        batches += 1

    assignment = c.assignment()
    expect = {}
    for p, o, *_ in committed_recs:
        expect[p] = max(expect.get(p, 0), o + 1)
    committed = {tp.partition: tp.offset for tp in c.committed(assignment, timeout=30) if tp.offset >= 0}
    check(committed == expect, f"committed() {committed}, expected {expect}")

    # One more batch, read and never committed: the next consumer must read it again.
    uncommitted = []
    while not uncommitted:
        check(time.monotonic() < deadline, "no batch after the commits")
        uncommitted = take(c.consume(num_messages=100, timeout=1.0))
    c.close()

    keys = [r[2] for r in committed_recs]
    check(len(set(keys)) == len(keys), "a record read twice by the first consumer")
    state["committed"] = [list(r[:3]) for r in committed_recs]
    state["committed_offsets"] = {str(p): o for p, o in committed.items()}
    state["uncommitted"] = [list(r[:3]) for r in uncommitted]
    with open(state_path, "w") as f:
        json.dump(state, f)
    return {"phase": "consume-half", "committed": len(committed_recs), "batches": batches,
            "uncommitted": len(uncommitted), "committed_offsets": state["committed_offsets"],
            "assignment": sorted(tp.partition for tp in assignment)}


def consume_rest(broker, topic, group, state_path):
    with open(state_path) as f:
        state = json.load(f)
    count = state["count"]
    seen = {}  # key index -> (p, o), for the records this consumer read
    for p, o, key in state["committed"]:
        seen[int(key[len("key-"):])] = None
    committed_offsets = {int(p): o for p, o in state["committed_offsets"].items()}
    first_offsets = {}
    rest = []
    c = consumer(broker, group)
    c.subscribe([topic])
    deadline = time.monotonic() + DEADLINE_S
    while len(seen) < count:
        check(time.monotonic() < deadline, f"{count - len(seen)} records never came by the deadline")
        for r in take(c.consume(num_messages=500, timeout=1.0)):
            i = check_record(state, r)
            if i in seen:
                raise Failure(f"record {r[2]} at {r[0]}/{r[1]} read again "
                              f"({'committed by the first consumer' if seen[i] is None else 'twice by this one'})")
            seen[i] = (r[0], r[1])
            first_offsets.setdefault(r[0], r[1])
            rest.append(r)
    # Anything more now would be a record read twice.
    extra = take(c.consume(num_messages=500, timeout=2.0))
    check(not extra, f"{len(extra)} more records after all {count}: {extra[:3]}")
    partitions = sorted({p for p, _ in state["records"]})
    for p in partitions:
        if p in first_offsets:
            check(first_offsets[p] == committed_offsets.get(p, 0),
                  f"partition {p}: resumed at {first_offsets[p]}, committed {committed_offsets.get(p, 0)}")
    uncommitted = {tuple(r[:2]) for r in state["uncommitted"]}
    read_again = {(r[0], r[1]) for r in rest}
    check(uncommitted <= read_again, f"uncommitted records not read again: {sorted(uncommitted - read_again)[:5]}")
    check(len(seen) == count and set(seen) == set(range(count)), "the union is not exactly the records produced")

    for tp in c.commit(asynchronous=False):
        check(tp.error is None, f"commit {tp.topic}/{tp.partition}: {tp.error}")
    ends = {}
    for p in partitions:
        low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
        ends[p] = high
        check(low == 0, f"partition {p}: low watermark {low}")
    produced = {}
    for p, _ in state["records"]:
        produced[p] = produced.get(p, 0) + 1
    check(ends == produced, f"high watermarks {ends}, records produced per partition {produced}")
    committed = {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in partitions], timeout=30)}
    check(committed == ends, f"committed {committed} after the last commit, log ends {ends}")
    c.close()
    return {"phase": "consume-rest", "read": len(rest), "redelivered_uncommitted": len(uncommitted),
            "total": len(seen), "resumed_at": {str(p): o for p, o in sorted(first_offsets.items())}}


RETRIABLE_COMMIT = (KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION, KafkaError.UNKNOWN_MEMBER_ID)


def consume_pair(broker, topic, group, state_path):
    """Two members of a new group at once: the group rebalances to split the partitions
    between them. Each commits what it read after every batch and when partitions are
    revoked; a commit may be refused while the group rebalances (REBALANCE_IN_PROGRESS,
    as Kafka does), and only records whose commit was refused may be read again by the
    other member. Together they read every record."""
    with open(state_path) as f:
        state = json.load(f)
    count = state["count"]
    partitions = sorted({p for p, _ in state["records"]})
    committed = set()  # records whose offsets a member committed
    refused = []
    members = []

    def commit(m, why):
        try:
            tps = m["c"].commit(asynchronous=False) or []
        except KafkaException as e:
            err = e.args[0]
            if err.code() == KafkaError._NO_OFFSET:
                return
            check(err.code() in RETRIABLE_COMMIT, f"{m['name']}: commit ({why}): {err}")
            refused.append(err.name())
            return
        for tp in tps:
            check(tp.error is None, f"{m['name']}: commit ({why}) {tp.partition}: {tp.error}")
        done = {tp.partition: tp.offset for tp in tps}
        still = []
        for r in m["pending"]:
            if r[1] < done.get(r[0], -1):
                committed.add(int(r[2][len("key-"):]))
            else:
                still.append(r)
        m["pending"] = still

    for name in ("a", "b"):
        m = {"name": name, "assigned": set(), "read": [], "pending": [], "revokes": 0, "assigns": 0}
        m["c"] = consumer(broker, group)

        def on_assign(c, tps, m=m):
            m["assigned"] = {tp.partition for tp in tps}
            m["assigns"] += 1

        def on_revoke(c, tps, m=m):
            m["revokes"] += 1
            commit(m, "on revoke")
            m["assigned"] = set()

        m["c"].subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
        members.append(m)

    seen = {}
    again = 0
    deadline = time.monotonic() + DEADLINE_S

    def split():
        a, b = members[0]["assigned"], members[1]["assigned"]
        return a and b and not (a & b) and sorted(a | b) == partitions

    while len(seen) < count or not split():
        check(time.monotonic() < deadline,
              f"by the deadline: {len(seen)} of {count} read, assignments "
              f"{sorted(members[0]['assigned'])} / {sorted(members[1]['assigned'])}")
        for m in members:
            recs = take(m["c"].consume(num_messages=200, timeout=0.2))
            if not recs:
                continue
            for r in recs:
                i = check_record(state, r)
                if i in committed:
                    raise Failure(f"{m['name']} read {r[2]} at {r[0]}/{r[1]}, which {seen[i]} had read and committed")
                if i in seen:
                    again += 1
                seen[i] = m["name"]
                m["read"].append(r)
                m["pending"].append(r)
            commit(m, "after a batch")
    check(set(seen) == set(range(count)), "the union is not exactly the records produced")
    out = {"phase": "consume-pair", "total": len(seen), "read_again": again, "commits_refused": refused,
           "members": {m["name"]: {"read": len(m["read"]), "assigned": sorted(m["assigned"]),
                                   "assigns": m["assigns"], "revokes": m["revokes"]} for m in members}}
    for m in members:
        m["c"].close()
    return out


def produce_codec(broker, topic, codec, count):
    producer = Producer({**base_conf(broker), "compression.type": codec, "linger.ms": 50, "acks": "all"})
    offsets = {}
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            offsets[msg.key().decode()] = msg.offset()

    values = {f"{codec}-{i}": f"{codec} {'abc' * 30} {i}" for i in range(count)}
    for key, value in values.items():
        producer.produce(topic, key=key.encode(), value=value.encode(), partition=0, on_delivery=on_delivery)
    check(producer.flush(DEADLINE_S) == 0, f"{len(producer)} records undelivered at the deadline")
    check(not errors, f"{len(errors)} delivery errors, the first: {errors[:5]}")
    first = min(offsets.values())
    check(sorted(offsets.values()) == list(range(first, first + count)), f"offsets not contiguous: {offsets}")

    c = Consumer({**base_conf(broker), "group.id": f"{topic}-{codec}-reader", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, first)])
    read = {}
    deadline = time.monotonic() + DEADLINE_S
    while len(read) < count:
        check(time.monotonic() < deadline, f"read {len(read)} of {count} back by the deadline")
        for m in c.consume(num_messages=count, timeout=1.0):
            check(m.error() is None, f"consume: {m.error()}")
            if first <= m.offset() < first + count:
                read[m.key().decode()] = (m.offset(), m.value().decode())
    c.close()
    check(read == {k: (offsets[k], v) for k, v in values.items()}, "the records read back differ from those produced")
    return {"phase": "produce-codec", "codec": codec, "delivered": len(offsets), "first": first, "last": first + count - 1}


def cooperative_grow(broker, topic, group):
    """Two cooperative-sticky members of a new group on a 2-partition topic; once they
    share it, the topic is given 4 partitions. librdkafka notices new partitions only
    at its metadata refresh (topic.metadata.refresh.interval.ms, 5 minutes, kept
    here); Kafdo rebalances the group when the topic grows, and the new partitions
    must be assigned within 20 s."""
    from confluent_kafka.admin import NewPartitions
    admin = AdminClient(base_conf(broker))
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(timeout=60)
    members = []
    for name in ("a", "b"):
        m = {"name": name, "assigned": set()}
        m["c"] = Consumer({**base_conf(broker), "group.id": group, "auto.offset.reset": "earliest",
                           "partition.assignment.strategy": "cooperative-sticky"})

        def on_assign(c, tps, m=m):
            m["assigned"] |= {tp.partition for tp in tps}

        def on_revoke(c, tps, m=m):
            m["assigned"] -= {tp.partition for tp in tps}

        m["c"].subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
        members.append(m)

    def spin(seconds, done):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for m in members:
                m["c"].poll(0.1)
            if done():
                return True
        return False

    def shared(n):
        a, b = members[0]["assigned"], members[1]["assigned"]
        return bool(a) and bool(b) and not (a & b) and sorted(a | b) == list(range(n))

    check(spin(60, lambda: shared(2)), f"the members never shared 2 partitions: {[sorted(m['assigned']) for m in members]}")
    admin.create_partitions([NewPartitions(topic, 4)])[topic].result(timeout=60)
    started = time.monotonic()
    check(spin(20, lambda: shared(4)),
          f"4 partitions not shared 20 s after the topic grew: {[sorted(m['assigned']) for m in members]}")
    took = time.monotonic() - started
    out = {"phase": "cooperative-grow", "seconds": round(took, 1),
           "assigned": {m["name"]: sorted(m["assigned"]) for m in members}}
    for m in members:
        m["c"].close()
    return out


def cooperative_delete(broker, topic, group):
    """librdkafka's test 0113 with a topic deleted: two cooperative-sticky members of a
    new group subscribe to two topics (<topic>-keep, <topic>-gone, 2 partitions each),
    share their 4 partitions and read what they hold; <topic>-gone is deleted. The group must rebalance
    and continue: within 30 s the members hold exactly <topic>-keep's partitions
    between them, and records produced to <topic>-keep afterwards are read.

    As in librdkafka's own test (0113 h_delete_topic), topic.metadata.refresh.interval.ms
    is 3000: librdkafka 2.0.2 drops a deleted topic's partitions from a cooperative
    assignment only when its periodic metadata refresh shows the topic gone (then it
    revokes them as lost and rejoins). The rebalance Kafdo's coordinator starts when
    the topic is deleted is not enough on its own: librdkafka's leader gives partitions
    its metadata no longer has back to the member that owned them ("unknown but
    owned"), as Kafka's classic coordinator, which does not rebalance then, would see."""
    keep, gone = f"{topic}-keep", f"{topic}-gone"
    admin = AdminClient(base_conf(broker))
    for t, f in admin.create_topics([NewTopic(t, num_partitions=2, replication_factor=1) for t in (keep, gone)]).items():
        f.result(timeout=60)
    errors = []
    members = []
    for name in ("a", "b"):
        m = {"name": name, "assigned": set(), "read": []}
        m["c"] = Consumer({**base_conf(broker), "group.id": group, "auto.offset.reset": "earliest",
                           "partition.assignment.strategy": "cooperative-sticky",
                           "topic.metadata.refresh.interval.ms": 3000,
                           "error_cb": lambda err: errors.append(str(err))})

        def on_assign(c, tps, m=m):
            m["assigned"] |= {(tp.topic, tp.partition) for tp in tps}

        def on_revoke(c, tps, m=m):
            m["assigned"] -= {(tp.topic, tp.partition) for tp in tps}

        def on_lost(c, tps, m=m):
            m["assigned"] -= {(tp.topic, tp.partition) for tp in tps}

        m["c"].subscribe([keep, gone], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
        members.append(m)

    def spin(seconds, done):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for m in members:
                msg = m["c"].poll(0.1)
                if msg is not None and msg.error() is None:
                    m["read"].append((msg.topic(), msg.partition(), msg.value().decode()))
            if done():
                return True
        return False

    def shared(topics):
        a, b = members[0]["assigned"], members[1]["assigned"]
        want = sorted((t, p) for t in topics for p in (0, 1))
        return bool(a) and bool(b) and not (a & b) and sorted(a | b) == want

    producer = Producer(base_conf(broker))
    for t in (keep, gone):
        for i in range(20):
            producer.produce(t, value=f"before-{i}".encode(), partition=i % 2)
    check(producer.flush(30) == 0, "records not delivered")
    check(spin(60, lambda: shared([keep, gone]) and sum(len(m["read"]) for m in members) >= 40),
          f"the members never shared 4 partitions and read them: {[sorted(m['assigned']) for m in members]}, "
          f"{[len(m['read']) for m in members]} read")
    admin.delete_topics([gone], operation_timeout=30)[gone].result(timeout=60)
    started = time.monotonic()
    check(spin(30, lambda: shared([keep])),
          f"{keep}'s partitions not shared 30 s after {gone} was deleted: {[sorted(m['assigned']) for m in members]}")
    took = time.monotonic() - started
    for i in range(20):
        producer.produce(keep, value=f"after-{i}".encode(), partition=i % 2)
    check(producer.flush(30) == 0, "records to the kept topic not delivered")
    check(spin(30, lambda: sum(1 for m in members for r in m["read"] if r[2].startswith("after-")) == 20),
          f"records produced after the deletion not all read: {[len(m['read']) for m in members]}")
    out = {"phase": "cooperative-delete", "seconds": round(took, 1),
           "assigned": {m["name"]: sorted([list(tp) for tp in m["assigned"]]) for m in members},
           "read_after": sorted(r[2] for m in members for r in m["read"] if r[2].startswith("after-")),
           "errors": errors}
    # librdkafka 2.0.2's close() can hang for good once a subscribed topic was deleted
    # (its destroy waits on a broker reference the deleted topic's partitions keep:
    # confluentinc/librdkafka#3007, #4362, confluent-kafka-python#1573), with any
    # broker; each member is closed in a thread of its own and not waited for long.
    closers = [threading.Thread(target=m["c"].close, daemon=True) for m in members]
    for t in closers:
        t.start()
    for t in closers:
        t.join(10)
    out["closed"] = [not t.is_alive() for t in closers]
    return out


def static_restart(broker, topic, group):
    """KIP-345 with librdkafka's group.instance.id: a static member and a dynamic one
    share a 4-partition topic; the static one closes (a static member does not
    leave) and starts again with the same instance id. It must get its partitions
    back without the group rebalancing: the dynamic member sees no revocation and
    the generation does not move."""
    admin = AdminClient(base_conf(broker))
    admin.create_topics([NewTopic(topic, num_partitions=4, replication_factor=1)])[topic].result(timeout=60)
    events = []

    def member(name, static):
        m = {"name": name, "assigned": set()}
        conf = {**base_conf(broker), "group.id": group, "auto.offset.reset": "earliest",
                "session.timeout.ms": 30000}
        if static:
            conf["group.instance.id"] = "py-static-1"
        m["c"] = Consumer(conf)

        def on_assign(c, tps, m=m):
            m["assigned"] = {tp.partition for tp in tps}
            events.append((m["name"], "assign", sorted(m["assigned"])))

        def on_revoke(c, tps, m=m):
            events.append((m["name"], "revoke", sorted(tp.partition for tp in tps)))
            m["assigned"] = set()

        m["c"].subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
        return m

    def spin(ms, seconds, done):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for m in ms:
                m["c"].poll(0.1)
            if done():
                return True
        return False

    s1, d = member("static", True), member("dynamic", False)
    shared = lambda a, b: bool(a["assigned"]) and bool(b["assigned"]) and sorted(a["assigned"] | b["assigned"]) == [0, 1, 2, 3]
    check(spin([s1, d], 60, lambda: shared(s1, d)), f"never shared: {events}")
    spin([s1, d], 2, lambda: False)  # let the group settle
    before = sorted(s1["assigned"])
    s1["c"].close()
    events.append(("static", "closed", before))
    mark = len(events)
    s2 = member("static", True)
    check(spin([s2, d], 30, lambda: bool(s2["assigned"])), f"the restarted static member got nothing: {events}")
    spin([s2, d], 3, lambda: False)  # a rebalance, if any, would show by now
    check(sorted(s2["assigned"]) == before, f"the static member got {sorted(s2['assigned'])}, had {before}: {events}")
    check(not [e for e in events[mark:] if e[0] == "dynamic"], f"the dynamic member was rebalanced: {events[mark:]}")
    out = {"phase": "static-restart", "partitions": before, "events_after_restart": events[mark:]}
    for m in (s2, d):
        m["c"].close()
    return out
def transactions(broker, topic):
    admin = AdminClient(base_conf(broker))  # kept: a dropped client fails its futures (_DESTROY)
    admin.create_topics([NewTopic(topic, 2)])[topic].result(timeout=60)
    producer = Producer({**base_conf(broker), "transactional.id": f"kafdo-interop-{topic}"})
    producer.init_transactions(30)
    # The group whose offsets each transaction commits with it (TxnOffsetCommit): those
    # of the committed one become the group's, those of the aborted one never do.
    source = Consumer({**base_conf(broker), "group.id": f"{topic}-eos", "enable.auto.commit": False})
    for outcome in ("committed", "aborted"):
        producer.begin_transaction()
        for p in range(2):
            producer.produce(topic, value=f"{outcome}-{p}".encode(), partition=p)
        offset = 5 if outcome == "committed" else 9
        producer.send_offsets_to_transaction([TopicPartition(topic, 0, offset)], source.consumer_group_metadata(), 30)
        if outcome == "committed":
            producer.commit_transaction(30)
        else:
            producer.abort_transaction(30)
    consumer = Consumer({**base_conf(broker), "group.id": f"{topic}-reader", "isolation.level": "read_committed",
                         "enable.partition.eof": True, "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(2)])
    values, ends, deadline = [], set(), time.monotonic() + 60
    while len(ends) < 2 and time.monotonic() < deadline:
        m = consumer.poll(1.0)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                ends.add(m.partition())
                continue
            raise KafkaException(m.error())
        values.append(m.value().decode())
    consumer.close()
    source.close()
    check(len(ends) == 2, f"read_committed reached the end of {sorted(ends)} only")
    return {"phase": "transactions", "values": sorted(values)}


def create_assigned(broker, topic):
    admin = AdminClient(base_conf(broker))
    elsewhere = f"{topic}-elsewhere"
    futures = admin.create_topics([NewTopic(topic, 3, replica_assignment=[[0], [0], [0]]),
                                   NewTopic(elsewhere, 1, replica_assignment=[[1]])],
                                  operation_timeout=30, request_timeout=30)
    futures[topic].result(timeout=60)
    try:
        futures[elsewhere].result(timeout=60)
        refused = None
    except KafkaException as e:
        refused = e.args[0].name()
    md = admin.list_topics(timeout=30)
    t = md.topics[topic]
    check(t.error is None, f"list_topics({topic}): {t.error}")
    for p in t.partitions.values():
        check(p.replicas == [0], f"partition {p.id}: replicas {p.replicas}")
    return {"phase": "create-assigned", "partitions": sorted(t.partitions), "refused": refused,
            "elsewhere_listed": elsewhere in md.topics}
def broker_configs(broker):
    admin = AdminClient(base_conf(broker))
    resource = ConfigResource(ConfigResource.Type.BROKER, "0")
    configs = admin.describe_configs([resource], request_timeout=30)[resource].result(timeout=60)
    check(len(configs) > 0, "the broker shows its configs")
    for c in configs.values():
        check(c.is_read_only, f"{c.name} is read-only")
    return {"phase": "broker-configs",
            "configs": {c.name: {"value": c.value, "source": c.source} for c in configs.values()}}


def main(argv):
    phase = argv[1] if len(argv) > 1 else ""
    try:
        if phase == "create" and len(argv) == 5:
            out = create(argv[2], argv[3], int(argv[4]))
        elif phase == "produce" and len(argv) == 6:
            out = produce(argv[2], argv[3], int(argv[4]), argv[5])
        elif phase == "consume-half" and len(argv) == 6:
            out = consume_half(*argv[2:6])
        elif phase == "consume-rest" and len(argv) == 6:
            out = consume_rest(*argv[2:6])
        elif phase == "consume-pair" and len(argv) == 6:
            out = consume_pair(*argv[2:6])
        elif phase == "static-restart" and len(argv) == 5:
            out = static_restart(*argv[2:5])
        elif phase == "cooperative-grow" and len(argv) == 5:
            out = cooperative_grow(*argv[2:5])
        elif phase == "cooperative-delete" and len(argv) == 5:
            out = cooperative_delete(*argv[2:5])
        elif phase == "broker-configs" and len(argv) == 3:
            out = broker_configs(argv[2])
        elif phase == "produce-codec" and len(argv) == 6:
            out = produce_codec(argv[2], argv[3], argv[4], int(argv[5]))
        elif phase == "create-assigned" and len(argv) == 4:
            out = create_assigned(argv[2], argv[3])
        elif phase == "transactions" and len(argv) == 4:
            out = transactions(argv[2], argv[3])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (Failure, KafkaException) as e:
        print(f"{phase}: {e}", file=sys.stderr, flush=True)
        return 1
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
