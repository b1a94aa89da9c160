#!/usr/bin/python3
"""sasl_confluent.py — confluent-kafka (Debian's python3-confluent-kafka on librdkafka
2.0.2) authenticating to a broker with SASL.

    sasl_confluent.py roundtrip BROKER PROTOCOL MECHANISM USER PASSWORD CA TOPIC
    sasl_confluent.py refused   BROKER PROTOCOL MECHANISM USER PASSWORD CA

PROTOCOL is SASL_PLAINTEXT or SASL_SSL (CA, a PEM file, verifies the broker; "-" for
none); MECHANISM PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; USER "-" for a client with no
SASL at all (security.protocol PLAINTEXT or SSL).

roundtrip  produces one record to TOPIC with a delivery report, then a consumer assigned
           to partition 0 reads it back; prints "ok".
refused    asks for the cluster's metadata and expects not to get it: prints the error
           codes librdkafka reported (e.g. _AUTHENTICATION) and "refused".
"""
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient


def config(broker, protocol, mechanism, user, password, ca):
    conf = {"bootstrap.servers": broker}
    if user == "-":
        conf["security.protocol"] = "SSL" if protocol == "SASL_SSL" else "PLAINTEXT"
    else:
        conf.update({"security.protocol": protocol, "sasl.mechanisms": mechanism,
                     "sasl.username": user, "sasl.password": password})
    if ca != "-":
        conf["ssl.ca.location"] = ca
    return conf


def roundtrip(conf, topic):
    delivered = []
    producer = Producer(conf)
    producer.produce(topic, key=b"k", value=b"over sasl", on_delivery=lambda err, msg: delivered.append((err, msg)))
    assert producer.flush(30) == 0, "not delivered within 30 s"
    err, msg = delivered[0]
    assert err is None, err
    consumer = Consumer({**conf, "group.id": "sasl-py", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, msg.offset())])
    got = consumer.poll(30)
    assert got is not None and got.error() is None, got and got.error()
    assert got.value() == b"over sasl", got.value()
    consumer.close()
    print("ok")


def refused(conf):
    errors = []
    admin = AdminClient({**conf, "error_cb": lambda e: errors.append(e.name())})
    try:
        admin.list_topics(timeout=10)
    except KafkaException as e:
        errors.append(e.args[0].name())
        admin.poll(1)  # error_cb is served by poll: the authentication failure itself
    else:
        print("metadata answered", flush=True)
        sys.exit(1)
    print(" ".join(sorted(set(errors))))
    print("refused")


if __name__ == "__main__":
    mode, broker, protocol, mechanism, user, password, ca = sys.argv[1:8]
    conf = config(broker, protocol, mechanism, user, password, ca)
    roundtrip(conf, sys.argv[8]) if mode == "roundtrip" else refused(conf)
