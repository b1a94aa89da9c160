/*
 * mock_broker.c — a reference Kafka broker for differential interop tests: librdkafka's
 * in-memory mock cluster (rdkafka_mock.h, Debian's librdkafka-dev), one broker, with the
 * topics named on the command line created up front (the mock has no CreateTopics).
 *
 *   mock_broker TOPIC:PARTITIONS...
 *
 * Prints "bootstrap <host:port>" on stdout once listening, then runs until stdin is
 * closed (the test keeps a pipe open; its death ends this process too).
 *
 * Build: cc -O1 -o build/mock_broker tests/interop/mock_broker.c -lrdkafka
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The handle only hosts the cluster's thread; it never connects anywhere. */
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "rd_kafka_new: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
    if (!mc) {
        fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        char *colon = strrchr(argv[i], ':');
        if (!colon) {
            fprintf(stderr, "usage: %s TOPIC:PARTITIONS...\n", argv[0]);
            return 2;
        }
        *colon = '\0';
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, argv[i], atoi(colon + 1), 1);
        if (e) {
            fprintf(stderr, "topic %s: %s\n", argv[i], rd_kafka_err2str(e));
            return 1;
        }
    }
    printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    char buf[256];
    while (fread(buf, 1, sizeof buf, stdin) > 0) {
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
