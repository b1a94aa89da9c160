/*
 * kafka_stub_broker.c — the reference broker of bench/kafka.mjs: librdkafka's in-memory
 * mock cluster (rdkafka_mock.h, Debian's librdkafka-dev) with one broker. It keeps
 * records in memory and nothing on disk, replicates nothing and does no fsync: the
 * "broker that stores nothing", so a Kafka client's figures against it are close to
 * that client's own ceiling on this machine.
 *
 *   kafka_stub_broker TOPIC:PARTITIONS...
 *
 * Creates the topics named (the mock has no CreateTopics), prints "bootstrap
 * <host:port>" on stdout once listening, then runs until stdin is closed or SIGTERM /
 * SIGINT arrives.
 *
 * Build: cc -std=c11 -O2 -o build/kafka_stub_broker bench/kafka_stub_broker.c -lrdkafka
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s TOPIC:PARTITIONS...\n", argv[0]);
        return 2;
    }
    /* SIGTERM and SIGINT are blocked before librdkafka starts its threads (they inherit
     * the mask), and unblocked only inside pselect() below, so the handler always runs
     * on this thread and ends the wait with EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigset_t blocked, waiting;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    pthread_sigmask(SIG_BLOCK, &blocked, &waiting);
    sigdelset(&waiting, SIGTERM);
    sigdelset(&waiting, SIGINT);

    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The handle only hosts the cluster's thread; it never connects anywhere. The mock's
     * accepted sockets take this handle's socket settings: TCP_NODELAY, as Kafka's
     * brokers set it (with Nagle on, small answers wait for the client's delayed ACK). */
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    if (rd_kafka_conf_set(conf, "socket.nagle.disable", "true", err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "socket.nagle.disable: %s\n", err);
        return 1;
    }
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
        int partitions = colon ? atoi(colon + 1) : 0;
        if (!colon || colon == argv[i] || partitions < 1) {
            fprintf(stderr, "usage: %s TOPIC:PARTITIONS...\n", argv[0]);
            return 2;
        }
        *colon = '\0';
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, argv[i], partitions, 1);
        if (e) {
            fprintf(stderr, "topic %s: %s\n", argv[i], rd_kafka_err2str(e));
            return 1;
        }
    }
    printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    char buf[256];
    while (!stop) {
        fd_set in;
        FD_ZERO(&in);
        FD_SET(STDIN_FILENO, &in);
        int r = pselect(STDIN_FILENO + 1, &in, NULL, NULL, NULL, &waiting);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
