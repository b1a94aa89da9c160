/*
 * ClusterMetadataDO — the single object that knows the cluster's topics (name,
 * topic id, partition count and config) and which consumer groups exist, in this
 * object's SQLite.
 *
 * A shim over the core's topics (src-c/topics.c), which owns the schema and Kafka's
 * rules (names, partition counts, configs). This class adds what the core must not
 * do itself: draw a topic id at random, read the clock, and reach the partition
 * objects when a topic is deleted.
 *
 * Deleting a topic marks it in the core first (no longer described, listed or
 * grown), retires its partition logs, and removes its metadata last: a producer
 * that still holds the old topic id from its cache gets UNKNOWN_TOPIC_OR_PARTITION
 * from the retired log, refreshes, and finds no topic (or, once the deletion is
 * over, creates a new one) — never an acknowledgement from a log that is about to
 * vanish. A deletion that fails half-way leaves the mark, and running it again
 * finishes it.
 */
import { DurableObject } from "cloudflare:workers";
import {
  groupsList,
  groupsRegister,
  groupsUnregister,
  producerIdNext,
  registerStorage,
  topicCreate,
  topicAlterConfigs,
  topicCreatePartitions,
  topicDelete,
  topicDeleteBegin,
  topicDescribe,
  topicEnsure,
  topicList,
  topicsOpen,
  txnIdsList,
  txnIdsRegister,
  aclCheck,
  aclFilter,
  type AclBinding,
  type AclFilter,
  type ConfigChange,
  type KafdoStorage,
  countSqlRows,
  sqlRows,
} from "../../wasm/kafdo";
import { metricsEnabled, type ClusterMetrics, type IsolateReport } from "../common/metrics";
import { ClusterMetricsBoard } from "./cluster-metrics";
import type { Env } from "./bindings";
import type { ClusterMetadataRpc } from "./interfaces";
import { KafdoError, KafkaCode } from "../common/errors";
import type { TopicInfo } from "../common/topics";
import { groupStub, partitionStub } from "./addressing";
import { AclStore } from "./acls";
import { CredentialStore, type CredentialInfo, type StoredCredential } from "./credentials";
import { answerRefusals } from "./rpc";

export class ClusterMetadataDO extends DurableObject<Env> implements ClusterMetadataRpc {
  /* Held so that the db id stays valid: the binding holds storages weakly. */
  private readonly storage: KafdoStorage;
  private readonly db: number;
  /* /metrics' door stats and lag history, in memory only (cluster-metrics.ts). */
  private readonly board = new ClusterMetricsBoard();
  private readonly since = Date.now();
  private readonly credentials: CredentialStore;
  private readonly acls: AclStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = ctx.storage;
    this.db = registerStorage(this.storage);
    countSqlRows(metricsEnabled(env));
    topicsOpen(this.db);
    this.credentials = new CredentialStore(ctx.storage.sql);
    this.acls = new AclStore(ctx.storage.sql);
  }

  /* ACL bindings (acls.ts); deleting answers, per filter, the bindings it removed. */
  createAcls(bindings: AclBinding[]): void {
    for (const b of bindings) aclCheck(b);
    this.acls.add(bindings);
  }

  listAcls(): AclBinding[] {
    return this.acls.list();
  }

  deleteAcls(filters: AclFilter[]): AclBinding[][] {
    const all = this.acls.list();
    const matched = filters.map((f) => {
      const hits = aclFilter(f, all);
      return all.filter((_, i) => hits[i]);
    });
    this.ctx.storage.transactionSync(() => this.acls.remove(matched.flat()));
    return matched;
  }

  /* SASL users' SCRAM credentials (credentials.ts): keys only, never a password. */
  putScramCredential(credential: StoredCredential): void {
    this.credentials.put(credential);
  }

  scramCredentials(user: string): StoredCredential[] {
    return this.credentials.get(user);
  }

  listScramCredentials(): CredentialInfo[] {
    return this.credentials.list();
  }

  deleteScramCredential(user: string, mechanism?: number): number {
    return this.credentials.delete(user, mechanism);
  }

  /* An isolate's door stats, between scrapes. */
  reportDoors(isolate: IsolateReport): void {
    this.board.report(isolate, Date.now());
  }

  /* A scrape: the scraping isolate's stats and the groups' lag now; answers every
   * isolate's stats added up, the lag of the last hour, and this object's SQL rows. */
  metrics(isolate: IsolateReport, lag: Record<string, number>): ClusterMetrics {
    const now = Date.now();
    this.board.report(isolate, now);
    this.board.sampleLag(lag, now);
    return {
      ...this.board.doors(now),
      lagSeries: this.board.lagSeries(),
      sql: sqlRows(this.storage),
      since: this.since,
    };
  }

  private get maxPartitions(): number {
    return Number(this.env.KAFDO_MAX_PARTITIONS ?? 256);
  }

  createTopic(name: string, partitions: number, config: Record<string, string>): TopicInfo {
    return this.#create(name, partitions, config);
  }

  /* As a Kafka broker without remote.log.storage.system.enable refuses the topic:
   * accepted, it would never tier, and its partitions would fill up in SQLite. */
  #requireColdTier(config: Record<string, string | null>): void {
    if (config["remote.storage.enable"] === "true" && !this.env.KAFDO_COLD) {
      throw new KafdoError(
        KafkaCode.INVALID_CONFIG,
        "remote.storage.enable=true needs the cold tier's R2 bucket bound as KAFDO_COLD (see docs/kafka.md)",
      );
    }
  }

  #create(name: string, partitions: number, config: Record<string, string>): TopicInfo {
    this.#requireColdTier(config);
    const id = crypto.getRandomValues(new Uint8Array(16));
    return topicCreate(this.db, name, partitions, config, id, Date.now(), this.maxPartitions);
  }

  /* The topic, created with `partitions` when it does not exist (auto-creation). */
  ensureTopic(name: string, partitions: number): TopicInfo {
    /* No configs, so no cold tier to require: the core decides, including that a
     * name still being deleted is UNKNOWN_TOPIC_OR_PARTITION (kd_topic_ensure). */
    const id = crypto.getRandomValues(new Uint8Array(16));
    return topicEnsure(this.db, name, partitions, id, Date.now(), this.maxPartitions);
  }

  /* What createTopic would answer, with nothing kept: the core's every rule is
   * applied inside a transaction that is then rolled back (CreateTopics with
   * validate_only). */
  validateTopic(name: string, partitions: number, config: Record<string, string>): TopicInfo {
    return this.#rolledBack(() => this.#create(name, partitions, config));
  }

  /* What createPartitions would answer, with nothing kept (validate_only). */
  validatePartitions(name: string, count: number): TopicInfo {
    return this.#rolledBack(() => this.#grow(name, count));
  }

  #rolledBack<T>(run: () => T): T {
    const rollback = new Error("rollback");
    let result: T | undefined;
    try {
      this.ctx.storage.transactionSync(() => {
        result = run();
        throw rollback;
      });
    } catch (e) {
      if (e !== rollback) throw e;
    }
    return result as T;
  }

  describeTopic(name: string): TopicInfo {
    return topicDescribe(this.db, name);
  }

  listTopics(): TopicInfo[] {
    return topicList(this.db);
  }

  /* Not async, as deleteTopic. Answers once the groups have been told. */
  createPartitions(name: string, count: number): Promise<TopicInfo> {
    const grown = this.#grow(name, count);
    return this.#tellGroups(name).then(() => grown);
  }

  /* Every registered group hears of a topic deleted or grown, and the groups
   * subscribed to it rebalance (ConsumerGroupDO.topicChanged): Kafka clients
   * would otherwise notice only at their next metadata refresh. A deleted topic's
   * committed offsets are forgotten by every group, as Kafka's coordinator does. A
   * group that cannot be told is left to its clients' refresh (and keeps them). */
  async #tellGroups(topic: string, deleted = false): Promise<void> {
    await Promise.allSettled(groupsList(this.db).map((id) => groupStub(this.env, id).topicChanged(id, topic, deleted)));
  }

  #grow(name: string, count: number): TopicInfo {
    return topicCreatePartitions(this.db, name, count, this.maxPartitions);
  }

  /* Changes the topic's configs (the core's rules: AlterConfigs replaces the set,
   * incremental changes only what it names), then hands them to every partition at
   * once, so retention follows without waiting for an append. Not async, as
   * deleteTopic. A partition that cannot be reached fails the call with the change
   * kept: running it again hands the configs out again. */
  alterConfigs(name: string, changes: ConfigChange[], incremental: boolean): Promise<TopicInfo> {
    this.#requireColdTier(this.#rolledBack(() => topicAlterConfigs(this.db, name, changes, incremental)).config);
    const topic = topicAlterConfigs(this.db, name, changes, incremental);
    /* The same text appends carry (partitions/topics.ts topicConfigText): the topic's configs as JSON. */
    const config = JSON.stringify(topic.config);
    const configuring = [];
    for (let p = 0; p < topic.partitions; p++)
      configuring.push(partitionStub(this.env, topic.topicId, p).configure(config));
    return Promise.all(configuring).then(() => topic);
  }

  /* What alterConfigs would answer, with nothing kept (validate_only). */
  validateConfigs(name: string, changes: ConfigChange[], incremental: boolean): TopicInfo {
    const topic = this.#rolledBack(() => topicAlterConfigs(this.db, name, changes, incremental));
    this.#requireColdTier(topic.config);
    return topic;
  }

  /* The registry of consumer groups, for listing: a ConsumerGroupDO registers its
   * group on first use and removes it when the group is deleted. */
  registerGroup(groupId: string): void {
    groupsRegister(this.db, groupId, Date.now());
  }

  unregisterGroup(groupId: string): void {
    groupsUnregister(this.db, groupId);
  }

  listGroups(): string[] {
    return groupsList(this.db);
  }

  /* A producer id for InitProducerId (no transactional id: epoch 0), from the
   * core's counter: unique in the cluster, never reused, restarts included. */
  allocateProducerId(): number {
    return producerIdNext(this.db);
  }

  /* A producer id for a transactional id's coordinator (its first, or a new one when
   * its epochs ran out); the id joins the registry of transactional ids, which
   * ListTransactions reads. */
  allocateTransactionalProducerId(transactionalId: string): number {
    txnIdsRegister(this.db, transactionalId, Date.now());
    return producerIdNext(this.db);
  }

  listTransactionalIds(): string[] {
    return txnIdsList(this.db);
  }

  /* Marks the topic (no longer described, listed or grown; its name not yet free),
   * retires its partition logs, then removes it. A deletion that failed half-way
   * is finished by calling this again. */
  deleteTopic(name: string): Promise<TopicInfo> {
    /* Not async: a refusal here is thrown before any promise exists (an async
     * method rejecting at once is reported by workerd as unhandled). */
    const topic = topicDeleteBegin(this.db, name);
    const retiring = [];
    for (let p = 0; p < topic.partitions; p++) retiring.push(partitionStub(this.env, topic.topicId, p).retire());
    return Promise.all(retiring)
      .then(() => topicDelete(this.db, name))
      .then(async (deleted) => {
        await this.#tellGroups(name, true);
        return deleted;
      });
  }
}

answerRefusals(ClusterMetadataDO);
