/*
 * consumer-defaults.ts — the defaults of a Kafdo consumer, written once: the
 * in-Worker consumer (api/consumer.ts), the HTTP SDK's (client/consumer.ts) and the
 * REST join (http/handlers/groups.ts) all take them from here. Kafka's Java
 * consumer has the same session and heartbeat defaults (45 s since 3.0; 30 s is
 * the earlier one Kafdo kept) and max.poll.interval.ms stands for the rebalance
 * timeout. A leaf module: it imports nothing.
 */

/* The client id a consumer names itself by when none is given. */
export const DEFAULT_CLIENT_ID = "kafdo-consumer";
/* The group drops a member it has not heard from for this long. */
export const DEFAULT_SESSION_TIMEOUT_MS = 30000;
/* How long the group waits for its members to rejoin in a rebalance. */
export const DEFAULT_REBALANCE_TIMEOUT_MS = 60000;
/* How often the consumer tells the group it is alive. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 3000;
