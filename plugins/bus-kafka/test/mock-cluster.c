/*
 * A Kafka test peer: librdkafka's mock cluster (rdkafka_mock.h, Debian's librdkafka-dev) on
 * loopback. No Kafka broker can be installed here; this one speaks the protocol well enough
 * for kafkajs to produce (idempotently), fetch, join groups and commit offsets.
 *
 *   mock-cluster <brokers> [<topic>:<partitions> …]
 *
 * Prints "bootstrap <host:port,…>" once the listeners are up, then reads commands on stdin,
 * one per line, answering "ok" or "error <text>" for each:
 *   down <broker-id>        the broker drops its connections and refuses new ones
 *   up <broker-id>          it accepts connections again
 *   topic <name> <parts>    creates a topic (replication factor 1)
 *   error <api-key> <code>  the next request of that kind (any broker) is answered with that error
 *   quit                    (or end of input) destroys the cluster and exits
 * Broker ids are 1 … <brokers>.
 *
 * Built by the tests (test/support/mockCluster.ts): cc mock-cluster.c -lrdkafka.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *name, int parts) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, parts, 1);
    if (err) {
        printf("error topic %s: %s\n", name, rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    char errstr[512];
    int brokers = argc > 1 ? atoi(argv[1]) : 1;
    if (brokers < 1) brokers = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The handle that owns the cluster never talks to it; quiet its logs. */
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "rd_kafka_new: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        char name[256];
        int parts = 1;
        if (sscanf(argv[i], "%255[^:]:%d", name, &parts) < 1 || create_topic(mc, name, parts) != 0) return 1;
    }
    printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));

    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        char cmd[32], arg[256];
        int n = 0;
        int got = sscanf(line, "%31s %255s %d", cmd, arg, &n);
        if (got < 1) continue;
        if (!strcmp(cmd, "quit")) break;
        if ((!strcmp(cmd, "down") || !strcmp(cmd, "up")) && got >= 2) {
            int32_t id = atoi(arg);
            rd_kafka_resp_err_t err = !strcmp(cmd, "down") ? rd_kafka_mock_broker_set_down(mc, id) : rd_kafka_mock_broker_set_up(mc, id);
            if (err) printf("error %s\n", rd_kafka_err2str(err));
            else printf("ok\n");
        } else if (!strcmp(cmd, "error") && got == 3) {
            rd_kafka_mock_push_request_errors(mc, (int16_t)atoi(arg), 1, (rd_kafka_resp_err_t)n);
            printf("ok\n");
        } else if (!strcmp(cmd, "topic") && got == 3) {
            if (create_topic(mc, arg, n) == 0) printf("ok\n");
        } else {
            printf("error unknown command: %s", line);
        }
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
