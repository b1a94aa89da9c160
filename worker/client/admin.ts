/*
 * admin.ts — KafdoClient's admin: topics and consumer groups over /admin.
 *
 * The same operations as the in-Worker admin (createAdmin), with the same answers,
 * over HTTP. addPartitions is the README's name for Kafka's createPartitions; both
 * are here. Every method is one request.
 */
import type {
  AlterConfigsOptions,
  ConfigChanges,
  CreateTopicConfig,
  DeletedRecords,
  PartitionOffsets,
  RecordsToDelete,
  TopicDescription,
} from "../common/topics";
import type { GroupInfo, GroupListing, ResetOffsetsRequest, ResetOffsetsResult } from "../common/groups";
import type { AclEntry, AclEntryFilter, SaslUser, SaslUserCredential, ScramMechanismName } from "../common/security";
import type { QueryOptions, QueryResult } from "../common/query";
import { type Transport, segment } from "./transport";

export class KafdoHttpAdmin {
  constructor(private readonly transport: Transport) {}

  createTopic(config: CreateTopicConfig): Promise<TopicDescription> {
    return this.transport.call("POST", "/admin/topics", { body: config });
  }

  async listTopics(): Promise<string[]> {
    return (await this.transport.call<{ topics: string[] }>("GET", "/admin/topics")).topics;
  }

  describeTopic(topic: string): Promise<TopicDescription> {
    return this.transport.call("GET", `/admin/topics/${segment(topic)}`);
  }

  /* Grows the topic to `count` partitions in all (Kafka's createPartitions). */
  addPartitions(topic: string, count: number): Promise<TopicDescription> {
    return this.transport.call("POST", `/admin/topics/${segment(topic)}/partitions`, { body: { count } });
  }

  createPartitions(topic: string, count: number): Promise<TopicDescription> {
    return this.addPartitions(topic, count);
  }

  /* Changes the configs given (null: back to the default), or with `replace` makes them
   * the topic's whole set (PATCH or PUT /admin/topics/:topic/configs). */
  alterConfigs(topic: string, configs: ConfigChanges, options: AlterConfigsOptions = {}): Promise<TopicDescription> {
    const body: { configs: ConfigChanges; validateOnly?: boolean } = { configs };
    if (options.validateOnly !== undefined) body.validateOnly = options.validateOnly;
    return this.transport.call(options.replace ? "PUT" : "PATCH", `/admin/topics/${segment(topic)}/configs`, { body });
  }

  async deleteTopic(topic: string): Promise<void> {
    await this.transport.call("DELETE", `/admin/topics/${segment(topic)}`);
  }

  /* Every partition's earliest and latest offsets, by partition. */
  async listOffsets(topic: string): Promise<Map<number, PartitionOffsets>> {
    const answer = await this.transport.call<{ partitions: ({ partition: number } & PartitionOffsets)[] }>(
      "GET",
      `/admin/topics/${segment(topic)}/offsets`,
    );
    return new Map(answer.partitions.map(({ partition, earliest, latest }) => [partition, { earliest, latest }]));
  }

  /* Kafka's DeleteRecords: each partition's records below `offset` (-1: the high
   * watermark) go; answers the new low watermarks, or throws the first refusal's
   * error, naming each (the other partitions' records are deleted). */
  async deleteRecords(topic: string, partitions: RecordsToDelete[]): Promise<DeletedRecords[]> {
    const answer = await this.transport.call<{ partitions: DeletedRecords[] }>(
      "POST",
      `/admin/topics/${segment(topic)}/delete-records`,
      { body: { partitions } },
    );
    return answer.partitions;
  }

  async listGroups(): Promise<GroupListing[]> {
    return (await this.transport.call<{ groups: GroupListing[] }>("GET", "/admin/groups")).groups;
  }

  /* State, members, assignment, and per partition the committed offset and lag. */
  describeGroup(groupId: string): Promise<GroupInfo> {
    return this.transport.call("GET", `/admin/groups/${segment(groupId)}`);
  }

  /* Refused with NON_EMPTY_GROUP while the group has members, as in Kafka. */
  async deleteGroup(groupId: string): Promise<void> {
    await this.transport.call("DELETE", `/admin/groups/${segment(groupId)}`);
  }

  /* kafka-consumer-groups --reset-offsets (POST /admin/groups/:groupId/offsets/reset):
   * refused with NON_EMPTY_GROUP while the group has members; dryRun commits nothing. */
  resetGroupOffsets(groupId: string, request: ResetOffsetsRequest): Promise<ResetOffsetsResult> {
    return this.transport.call("POST", `/admin/groups/${segment(groupId)}/offsets/reset`, { body: request });
  }

  /* The SASL users of the Kafka port (PUT/GET/DELETE /admin/users): setUser creates or
   * replaces the user's credential for the mechanism; the password is salted and
   * hashed by Kafdo and never stored. */
  setUser(name: string, credential: SaslUserCredential): Promise<SaslUser> {
    return this.transport.call("PUT", `/admin/users/${segment(name)}`, { body: credential });
  }

  async listUsers(): Promise<SaslUser[]> {
    return (await this.transport.call<{ users: SaslUser[] }>("GET", "/admin/users")).users;
  }

  /* Removes the user's credential for the mechanism, or all of them; RESOURCE_NOT_FOUND when none. */
  async deleteUser(name: string, mechanism?: ScramMechanismName): Promise<void> {
    const query = mechanism ? `?mechanism=${mechanism}` : "";
    await this.transport.call("DELETE", `/admin/users/${segment(name)}${query}`);
  }

  /* The cluster's ACLs (/admin/acls): enforced on every door while SASL is required. */
  async createAcls(acls: AclEntry[]): Promise<AclEntry[]> {
    return (await this.transport.call<{ acls: AclEntry[] }>("POST", "/admin/acls", { body: { acls } })).acls;
  }

  async describeAcls(filter: AclEntryFilter = {}): Promise<AclEntry[]> {
    return (await this.transport.call<{ acls: AclEntry[] }>("GET", `/admin/acls${aclQuery(filter)}`)).acls;
  }

  /* Deletes what the filter matches (everything, for an empty one); answers it. */
  async deleteAcls(filter: AclEntryFilter): Promise<AclEntry[]> {
    return (await this.transport.call<{ deleted: AclEntry[] }>("DELETE", `/admin/acls${aclQuery(filter)}`)).deleted;
  }

  /* SQL over a topic: one read-only SELECT within its budgets (POST /topics/:topic/query). */
  query(topic: string, sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    return this.transport.call("POST", `/topics/${segment(topic)}/query`, { body: { sql, ...options } });
  }
}

function aclQuery(filter: AclEntryFilter): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (typeof v === "string") q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : "";
}
