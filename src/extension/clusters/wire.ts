/**
 * WireCluster: the Cluster contract over the Kafka protocol, for any Kafka cluster (Apache Kafka, a managed
 * service, another window's Kafka Lite). kafkajs carries the connections — TLS, SASL PLAIN / SCRAM-SHA-256 /
 * SCRAM-SHA-512, metadata, leader lookup — and its admin client does topics, configs and groups. Records move as
 * raw v2 record batches through kafkajs's connections (Produce v7, Fetch v11, ListOffsets v5 encoded and decoded
 * with Kafka Lite's own API schemas), so keys, values, headers (order, duplicates, null values) and timestamps
 * arrive exactly as stored, and no consumer group is created on the remote cluster to read it.
 *
 * Guarantees: kafkajs logs nothing (the level is NOTHING); an error carries the server's own error name
 * (TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, NON_EMPTY_GROUP, …) and the topic it concerns;
 * size on disk and newest-record time are undefined; connections are opened lazily and `close()` ends them.
 * vscode-free: the unit suite runs it against a Kafka Lite broker on loopback, the reference tier against
 * Apache Kafka on PLAINTEXT, SASL_PLAINTEXT and SASL_SSL listeners.
 */
import type * as tls from 'tls';
import type { Admin, SASLOptions } from 'kafkajs';
import { AssignerProtocol, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { errorName } from '../../broker/errors';
import type { GroupLag } from '../../broker/lag';
import { computeGroupLag } from '../../broker/lag';
import { choosePartition } from '../../broker/partitioner';
import { encodeRecordBatch } from '../../broker/storage/record-batch';
import type {
  ConfigEntry,
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupState,
  OffsetResetSpec,
  TopicConfigs,
} from '../../broker/types';
import { Reader } from '../../protocol/codec/reader';
import { decodeStruct, encodeStruct } from '../../protocol/codec/schema';
import { Writer } from '../../protocol/codec/writer';
import { API_BY_KEY } from '../../protocol/registry';
import type {
  Cluster,
  ClusterDescription,
  ClusterPartition,
  ClusterRecord,
  ClusterTopic,
  CommittedOffsetRow,
  FetchOptions,
  OutgoingRecord,
  ProducedRange,
  TopicPage,
  TopicQuery,
} from './cluster';
import { batchesBySize, pageTopics, resetTarget } from './cluster';
import type { AbortedTxn } from './records';
import { committedRecords, uncommittedRecords } from './records';

// kafkajs's own Cluster (metadata, leaders, authenticated connections) is not on its typed surface.
/* eslint-disable @typescript-eslint/no-require-imports */
const KjsCluster = require('kafkajs/src/cluster') as new (opts: Record<string, unknown>) => LowCluster;
const { createLogger } = require('kafkajs/src/loggers') as { createLogger(o: Record<string, unknown>): unknown };
const KjsEncoder = require('kafkajs/src/protocol/encoder') as new () => { writeBuffer(b: Buffer): unknown };
const socketFactory = require('kafkajs/src/network/socketFactory') as () => unknown;
/* eslint-enable @typescript-eslint/no-require-imports */

interface LowBroker {
  connectionPool: { send(req: unknown): Promise<unknown> };
}
interface LowCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  findBroker(o: { nodeId: number | string }): Promise<LowBroker>;
  brokerPool: { seedBroker: LowBroker | undefined };
}

/** One partition's leader from a Metadata answer. */
interface PartitionLeader {
  partition: number;
  leader: number;
}

export interface WireClusterOptions {
  name: string;
  /** host:port list. */
  brokers: string[];
  /** TLS options (ca, cert, key, passphrase, rejectUnauthorized, servername); undefined = plaintext. */
  ssl?: tls.ConnectionOptions;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  clientId?: string;
  /** Per-request timeout (ms); default 10000. */
  requestTimeoutMs?: number;
  /** Connection timeout (ms); default 3000. */
  connectionTimeoutMs?: number;
  /** Retries of a failed request; default 1 (views must not hang on a dead cluster). */
  retries?: number;
}

// A decoded message: field names as in the API module's schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

const API = { Produce: 0, Fetch: 1, ListOffsets: 2, Metadata: 3, OffsetCommit: 8, FindCoordinator: 10 } as const;
// The newest non-flexible versions (kafkajs frames requests with header v1), all served by Kafka 4.
const VERSION = { Produce: 7, Fetch: 11, ListOffsets: 5, Metadata: 8, OffsetCommit: 7, FindCoordinator: 2 } as const;
/** Errors after which a partition's leader is looked up again. */
const STALE_LEADER = new Set([3, 6, 74, 75]);
const GROUP_STATES = new Set<GroupState>(['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']);

/** Names of Kafka error codes the embedded broker never sends (so its ErrorCode table does not list them). */
const REMOTE_ERROR_NAMES: Record<number, string> = {
  29: 'TOPIC_AUTHORIZATION_FAILED',
  30: 'GROUP_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  33: 'UNSUPPORTED_SASL_MECHANISM',
  34: 'ILLEGAL_SASL_STATE',
  53: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  58: 'SASL_AUTHENTICATION_FAILED',
};

export function remoteErrorName(code: number): string {
  return REMOTE_ERROR_NAMES[code] ?? errorName(code);
}

/** An error from a remote cluster: the server's error name, what it concerns, and its code. */
export class ClusterRequestError extends Error {
  constructor(
    readonly code: number,
    what: string,
  ) {
    super(
      `${what}: ${remoteErrorName(code)}${code === 29 || code === 30 || code === 31 ? ' (refused by the cluster’s ACLs)' : ''}`,
    );
    this.name = remoteErrorName(code);
  }
}

interface KjsError {
  message?: string;
  type?: string;
  topic?: string;
  errors?: KjsError[];
  groups?: { groupId?: string; error?: KjsError }[];
  originalError?: KjsError;
  cause?: KjsError;
}

/**
 * A kafkajs failure as the server's own words: each error's type (TOPIC_AUTHORIZATION_FAILED, …), what it
 * concerns and its message; aggregates (CreateTopics, DeleteGroups) list every entry, retries give their cause.
 */
export function serverError(e: unknown): Error {
  const x = e as KjsError;
  let inner: KjsError[] = [];
  if (x?.errors?.length) inner = x.errors;
  else if (x?.groups?.length) inner = x.groups.map((g) => ({ ...(g.error ?? {}), topic: g.groupId }));
  else if (x?.originalError ?? x?.cause) inner = [(x.originalError ?? x.cause)!];
  if (inner.length === 0 || !inner.some((i) => i?.type)) inner = [x];
  const text = inner
    .map((i) =>
      i?.type
        ? `${i.type}${i.topic ? ` (${i.topic})` : ''}${i.message ? `: ${i.message}` : ''}`
        : String(i?.message ?? i),
    )
    .join('; ');
  const acl = inner.some((i) => /AUTHORIZATION_FAILED/.test(i?.type ?? ''));
  const err = new Error(`${text}${acl ? ' (refused by the cluster\u2019s ACLs)' : ''}`, { cause: e });
  err.name = inner.find((i) => i?.type)?.type ?? (e as Error)?.name ?? 'Error';
  return err;
}

function decodeAssignment(bytes: Buffer): { topic: string; partitions: number[] }[] {
  if (!bytes || bytes.length === 0) return [];
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(bytes);
    if (!decoded) return [];
    return Object.entries(decoded.assignment)
      .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  } catch {
    return [];
  }
}

export class WireCluster implements Cluster {
  readonly kind = 'wire' as const;
  readonly name: string;
  private readonly kafka: Kafka;
  private readonly low: LowCluster;
  private admin: Admin | undefined;
  private connecting: Promise<void> | undefined;
  private lowConnected = false;
  private readonly leaderCache = new Map<string, PartitionLeader[]>();
  private roundRobin = 0;
  private closed = false;

  constructor(readonly options: WireClusterOptions) {
    this.name = options.name;
    const common = {
      brokers: options.brokers,
      ssl: options.ssl,
      sasl: options.sasl as SASLOptions | undefined,
      clientId: options.clientId ?? 'kafka-lite',
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      authenticationTimeout: options.connectionTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      retry: { retries: options.retries ?? 1, initialRetryTime: 100, maxRetryTime: 1000 },
    };
    this.kafka = new Kafka({ ...common, logLevel: logLevel.NOTHING });
    this.low = new KjsCluster({
      ...common,
      logger: createLogger({ level: logLevel.NOTHING, logCreator: () => () => undefined }),
      socketFactory: socketFactory(),
      enforceRequestTimeout: true,
      metadataMaxAge: 60_000,
      allowAutoTopicCreation: false,
      maxInFlightRequests: null,
      isolationLevel: 1,
      instrumentationEmitter: null,
      offsets: new Map(),
    });
  }

  // ------------------------------------------------------------------ connections

  private async adminClient(): Promise<Admin> {
    if (this.closed) throw new Error(`the connection to ${this.name} is closed`);
    if (this.admin) return this.admin;
    this.connecting ??= (async () => {
      const admin = this.kafka.admin({ retry: { retries: this.options.retries ?? 1 } });
      try {
        await admin.connect();
      } catch (e) {
        await admin.disconnect().catch(() => undefined);
        throw e;
      }
      // Every admin call rejects with the server's own error (type, what it concerns, message).
      this.admin = new Proxy(admin, {
        get: (target, prop, receiver) => {
          const v = Reflect.get(target, prop, receiver) as unknown;
          if (typeof v !== 'function' || prop === 'connect' || prop === 'disconnect') return v;
          return (...args: unknown[]) => {
            const r = (v as (...a: unknown[]) => unknown).apply(target, args);
            return r instanceof Promise ? r.catch((err: unknown) => Promise.reject(serverError(err))) : r;
          };
        },
      });
    })().finally(() => (this.connecting = undefined));
    await this.connecting;
    return this.admin!;
  }

  private async lowCluster(): Promise<LowCluster> {
    if (this.closed) throw new Error(`the connection to ${this.name} is closed`);
    if (!this.lowConnected) {
      await this.low.connect();
      this.lowConnected = true;
    }
    return this.low;
  }

  /**
   * Partition leaders of the named topics (null: every topic) from one Metadata request; a topic that does not
   * exist is absent from the answer. Refreshes the leader cache.
   */
  private async metadata(topics: string[] | null): Promise<Map<string, PartitionLeader[]>> {
    const low = await this.lowCluster();
    const seed = low.brokerPool.seedBroker;
    if (!seed) throw new Error(`${this.name}: no broker connection`);
    const r = await this.send(seed, API.Metadata, VERSION.Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const out = new Map<string, PartitionLeader[]>();
    for (const t of r.topics as Msg[]) {
      if (t.errorCode === 3) {
        this.leaderCache.delete(t.name);
        continue;
      }
      if (t.errorCode !== 0) throw new ClusterRequestError(t.errorCode, `topic ${t.name}`);
      const parts = (t.partitions as Msg[])
        .map((p) => ({ partition: p.partitionIndex as number, leader: p.leaderId as number }))
        .sort((a, b) => a.partition - b.partition);
      out.set(t.name, parts);
      this.leaderCache.set(t.name, parts);
    }
    return out;
  }

  /** The leader of each asked partition (cached; looked up again when unknown or `fresh`). */
  private async leaders(topic: string, partitions: number[], fresh = false): Promise<Map<number, number>> {
    let meta = fresh ? undefined : this.leaderCache.get(topic);
    if (!meta || partitions.some((p) => !meta!.some((m) => m.partition === p && m.leader >= 0)))
      meta = (await this.metadata([topic])).get(topic);
    if (!meta) throw new ClusterRequestError(3, `topic ${topic}`);
    const out = new Map<number, number>();
    for (const p of partitions) {
      const m = meta.find((x) => x.partition === p);
      if (!m) throw new ClusterRequestError(3, `${topic} partition ${p}`);
      if (m.leader < 0) throw new ClusterRequestError(5, `${topic} partition ${p}`);
      out.set(p, m.leader);
    }
    return out;
  }

  // ------------------------------------------------------------------ requests for the panels' wire clients

  /**
   * One request to one broker by node id (kafkajs connects and authenticates it), encoded and decoded with Kafka
   * Lite's API schemas at `version` (a non-flexible one: kafkajs frames requests with header v1). Resolves with
   * the decoded response; the error codes inside it are the caller's to read. For the panels' clients (an
   * idempotent producer with its own sequence numbers, a group member stepping through JoinGroup/SyncGroup).
   */
  async request(nodeId: number, apiKey: number, version: number, body: Msg): Promise<Msg> {
    return this.raw(nodeId, apiKey, version, body);
  }

  /** The partition's leader node id (cached; `fresh` asks Metadata again). Rejects UNKNOWN_TOPIC_OR_PARTITION / LEADER_NOT_AVAILABLE. */
  async leaderOf(topic: string, partition: number, fresh = false): Promise<number> {
    return (await this.leaders(topic, [partition], fresh)).get(partition)!;
  }

  /** Forget the cached leaders of a topic (after NOT_LEADER_OR_FOLLOWER and the like). */
  forgetLeaders(topic: string): void {
    this.leaderCache.delete(topic);
  }

  /**
   * FindCoordinator for a group (keyType 0) or a transactional id (keyType 1): the coordinator's node id. Asks
   * again while the cluster answers COORDINATOR_NOT_AVAILABLE (its internal topic being created), for up to 2 s.
   */
  async coordinatorOf(key: string, type: 'group' | 'transaction'): Promise<number> {
    const low = await this.lowCluster();
    const seed = low.brokerPool.seedBroker;
    if (!seed) throw new Error(`${this.name}: no broker connection`);
    let answer: Msg | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      answer = await this.send(seed, API.FindCoordinator, VERSION.FindCoordinator, {
        key,
        keyType: type === 'group' ? 0 : 1,
      });
      if (answer.errorCode !== 15) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (answer!.errorCode !== 0)
      throw new ClusterRequestError(
        answer!.errorCode,
        `the coordinator of ${type === 'group' ? 'group' : 'transactional id'} ${key}`,
      );
    return answer!.nodeId as number;
  }

  /**
   * A new WireCluster to the same servers with the same TLS and SASL settings, under another client id (and any
   * other overrides, e.g. a longer request timeout for a member whose JoinGroup waits for a rebalance). It has
   * connections of its own; the caller closes it.
   */
  sibling(
    clientId: string,
    overrides: Partial<Omit<WireClusterOptions, 'brokers' | 'ssl' | 'sasl'>> = {},
  ): WireCluster {
    return new WireCluster({ ...this.options, ...overrides, clientId });
  }

  /** One request to one broker by node id (kafkajs connects and authenticates it). */
  private async raw(nodeId: number, apiKey: number, version: number, body: Msg): Promise<Msg> {
    const low = await this.lowCluster();
    let broker: LowBroker;
    try {
      broker = await low.findBroker({ nodeId });
    } catch {
      await low.refreshMetadata();
      broker = await low.findBroker({ nodeId });
    }
    return this.send(broker, apiKey, version, body);
  }

  /** Encode and decode with Kafka Lite's schemas (non-flexible versions only) over a kafkajs connection. */
  private async send(broker: LowBroker, apiKey: number, version: number, body: Msg): Promise<Msg> {
    const m = API_BY_KEY.get(apiKey)!;
    const w = new Writer();
    encodeStruct(w, m.request, version, false, body);
    const bytes = w.toBuffer();
    return (await broker.connectionPool.send({
      request: {
        apiKey,
        apiVersion: version,
        apiName: m.name,
        encode: async () => new KjsEncoder().writeBuffer(bytes),
      },
      response: {
        decode: async (payload: Buffer) => decodeStruct(new Reader(payload), m.response, version, false),
        parse: async (msg: Msg) => msg,
      },
    })) as Msg;
  }

  // ------------------------------------------------------------------ cluster and topics

  async describeCluster(): Promise<ClusterDescription> {
    const d = await (await this.adminClient()).describeCluster();
    return {
      clusterId: d.clusterId,
      controllerId: d.controller ?? -1,
      brokers: d.brokers
        .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port }))
        .sort((a, b) => a.nodeId - b.nodeId),
    };
  }

  async listTopics(query?: TopicQuery): Promise<TopicPage> {
    const meta = await (await this.adminClient()).fetchTopicMetadata();
    const all: ClusterTopic[] = meta.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.length,
      topicId: '',
      configs: {},
    }));
    return pageTopics(all, query);
  }

  async partitionsOf(topics: string[]): Promise<Map<string, ClusterPartition[]>> {
    const out = new Map<string, ClusterPartition[]>();
    if (topics.length === 0) return out;
    // Many topics: one Metadata for all of them (cheaper than naming each); few: name them.
    const meta = await this.metadata(topics.length > 200 ? null : topics);
    // Partitions grouped by leader: one ListOffsets for the starts and one for the ends per broker.
    const byLeader = new Map<number, { topic: string; partition: number }[]>();
    const rows = new Map<string, ClusterPartition>();
    for (const topic of topics) {
      const leaders = meta.get(topic);
      if (!leaders) continue;
      const list: ClusterPartition[] = [];
      for (const m of leaders) {
        const row: ClusterPartition = {
          topic,
          partition: m.partition,
          logStartOffset: 0,
          logEndOffset: 0,
          leader: m.leader,
          sizeBytes: undefined,
          lastTimestamp: undefined,
        };
        list.push(row);
        rows.set(`${topic}\n${m.partition}`, row);
        if (m.leader < 0) continue;
        let l = byLeader.get(m.leader);
        if (!l) byLeader.set(m.leader, (l = []));
        l.push({ topic, partition: m.partition });
      }
      out.set(topic, list);
    }
    await Promise.all(
      [...byLeader].flatMap(([leader, tps]) =>
        ([-2, -1] as const).map(async (timestamp) => {
          const byTopic = new Map<string, number[]>();
          for (const tp of tps) {
            let l = byTopic.get(tp.topic);
            if (!l) byTopic.set(tp.topic, (l = []));
            l.push(tp.partition);
          }
          const r = await this.raw(leader, API.ListOffsets, VERSION.ListOffsets, {
            replicaId: -1,
            isolationLevel: 0,
            topics: [...byTopic].map(([name, ps]) => ({
              name,
              partitions: ps.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp })),
            })),
          });
          for (const t of r.topics as Msg[]) {
            for (const p of t.partitions as Msg[]) {
              // Deleted between the two requests: the topic is gone from the answer.
              if (p.errorCode === 3) {
                out.delete(t.name);
                continue;
              }
              if (p.errorCode !== 0)
                throw new ClusterRequestError(p.errorCode, `${t.name} partition ${p.partitionIndex}`);
              const row = rows.get(`${t.name}\n${p.partitionIndex}`);
              if (!row) continue;
              if (timestamp === -2) row.logStartOffset = Number(p.offset);
              else row.logEndOffset = Number(p.offset);
            }
          }
        }),
      ),
    );
    return out;
  }

  async topicConfigs(topic: string): Promise<ConfigEntry[]> {
    const r = await (
      await this.adminClient()
    ).describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      includeSynonyms: false,
    });
    const res = r.resources[0];
    if (res && res.errorCode !== 0) throw new ClusterRequestError(res.errorCode, `configs of ${topic}`);
    return (res?.configEntries ?? [])
      .map((c) => ({
        name: c.configName,
        value: c.configValue,
        isDefault: c.isDefault,
        readOnly: c.readOnly,
        sensitive: c.isSensitive,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  // ------------------------------------------------------------------ groups

  async listGroups(): Promise<GroupListing[]> {
    const listed = (await (await this.adminClient()).listGroups()).groups;
    const described = new Map((await this.describeGroups(listed.map((g) => g.groupId))).map((d) => [d.groupId, d]));
    return listed
      .map((g): GroupListing => {
        const d = described.get(g.groupId);
        // A group known only from its committed offsets describes as Dead; list it as Empty, as Kafka does.
        return { groupId: g.groupId, protocolType: g.protocolType, state: d && d.state !== 'Dead' ? d.state : 'Empty' };
      })
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    if (groupIds.length === 0) return [];
    const r = await (await this.adminClient()).describeGroups(groupIds);
    const byId = new Map(r.groups.map((g) => [g.groupId, g]));
    return groupIds.map((id): GroupDescription => {
      const g = byId.get(id);
      if (!g)
        return {
          groupId: id,
          state: 'Dead',
          protocolType: '',
          protocol: '',
          generationId: -1,
          leader: null,
          members: [],
        };
      const consumer = g.protocolType === 'consumer' || g.protocolType === '';
      return {
        groupId: g.groupId,
        state: GROUP_STATES.has(g.state as GroupState) ? (g.state as GroupState) : 'Dead',
        protocolType: g.protocolType,
        protocol: g.protocol,
        // DescribeGroups carries neither the generation nor the leader.
        generationId: -1,
        leader: null,
        members: g.members.map((m): GroupMemberDescription => ({
          memberId: m.memberId,
          groupInstanceId: null,
          clientId: m.clientId,
          clientHost: m.clientHost,
          metadata: m.memberMetadata,
          assignment: m.memberAssignment,
          assignedPartitions: consumer ? decodeAssignment(m.memberAssignment) : [],
        })),
      };
    });
  }

  async committedOffsets(groupId: string): Promise<CommittedOffsetRow[]> {
    const r = await (await this.adminClient()).fetchOffsets({ groupId });
    const out: CommittedOffsetRow[] = [];
    for (const t of r) {
      for (const p of t.partitions) {
        const offset = Number(p.offset);
        if (offset >= 0) out.push({ topic: t.topic, partition: p.partition, offset });
      }
    }
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  async groupLag(groupId: string): Promise<GroupLag> {
    const [committed, [described]] = await Promise.all([
      this.committedOffsets(groupId),
      this.describeGroups([groupId]),
    ]);
    const members = described?.members ?? [];
    const topics = new Set(committed.map((c) => c.topic));
    for (const m of members) for (const a of m.assignedPartitions) topics.add(a.topic);
    const parts = await this.partitionsOf([...topics]);
    return computeGroupLag(committed, members, (topic, partition) => parts.get(topic)?.[partition]);
  }

  // ------------------------------------------------------------------ admin writes

  async createTopic(name: string, partitions: number, configs: TopicConfigs = {}): Promise<void> {
    const admin = await this.adminClient();
    // kafkajs answers false (no error) for a topic that exists: say it as Kafka does.
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: name,
          numPartitions: partitions,
          configEntries: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })),
        },
      ],
    });
    if (!created) throw new ClusterRequestError(36, `topic ${name}`);
    this.leaderCache.delete(name);
  }

  async deleteTopic(name: string): Promise<void> {
    await (await this.adminClient()).deleteTopics({ topics: [name] });
    this.leaderCache.delete(name);
  }

  async addPartitions(topic: string, total: number): Promise<void> {
    await (await this.adminClient()).createPartitions({ topicPartitions: [{ topic, count: total }] });
    this.leaderCache.delete(topic);
  }

  async alterTopicConfigs(topic: string, changes: Record<string, string | null>): Promise<void> {
    // AlterConfigs replaces a topic's whole override set: start from today's overrides, apply the changes.
    const current = await this.topicConfigs(topic);
    const next = new Map<string, string>();
    for (const c of current) if (!c.isDefault && !c.readOnly && c.value !== null) next.set(c.name, c.value);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    await (
      await this.adminClient()
    ).alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [...next].map(([name, value]) => ({ name, value })),
        },
      ],
    });
  }

  async resetOffsets(
    groupId: string,
    topic: string,
    spec: OffsetResetSpec,
    partition?: number,
  ): Promise<CommittedOffsetRow[]> {
    const [group] = await this.describeGroups([groupId]);
    if (group && group.members.length > 0) {
      const e = new Error(
        `cannot reset offsets of group "${groupId}": it has ${group.members.length} active member(s) (state ${group.state}); stop its consumers first`,
      );
      e.name = 'NON_EMPTY_GROUP';
      throw e;
    }
    const parts = (await this.partitionsOf([topic])).get(topic);
    if (!parts) throw new ClusterRequestError(3, `topic ${topic}`);
    const targets = partition === undefined ? parts : parts.filter((p) => p.partition === partition);
    if (targets.length === 0) throw new ClusterRequestError(3, `${topic} partition ${partition}`);
    const current = new Map(
      (await this.committedOffsets(groupId)).filter((c) => c.topic === topic).map((c) => [c.partition, c.offset]),
    );
    const rows: CommittedOffsetRow[] = [];
    for (const p of targets) {
      const found =
        spec.kind === 'timestamp' ? await this.offsetForTimestamp(topic, p.partition, spec.timestamp) : undefined;
      rows.push({ topic, partition: p.partition, offset: resetTarget(spec, p, current.get(p.partition), found) });
    }
    await this.commitAsAdmin(groupId, rows);
    return rows;
  }

  /**
   * Commit offsets outside any generation (generation -1, no member id), as kafka-consumer-groups does for an
   * empty group: sent to the group's coordinator; the cluster refuses it while the group has members.
   */
  private async commitAsAdmin(groupId: string, rows: CommittedOffsetRow[]): Promise<void> {
    const coordinator = await this.coordinatorOf(groupId, 'group');
    const byTopic = new Map<string, CommittedOffsetRow[]>();
    for (const r of rows) {
      let l = byTopic.get(r.topic);
      if (!l) byTopic.set(r.topic, (l = []));
      l.push(r);
    }
    const resp = await this.raw(coordinator, API.OffsetCommit, VERSION.OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((r) => ({
          partitionIndex: r.partition,
          committedOffset: r.offset,
          committedLeaderEpoch: -1,
          committedMetadata: null,
        })),
      })),
    });
    for (const t of resp.topics as Msg[])
      for (const p of t.partitions as Msg[])
        if (p.errorCode !== 0)
          throw new ClusterRequestError(
            p.errorCode,
            `offsets of group ${groupId} on ${t.name} partition ${p.partitionIndex}`,
          );
  }

  async deleteGroup(groupId: string): Promise<void> {
    await (await this.adminClient()).deleteGroups([groupId]);
  }

  // ------------------------------------------------------------------ records

  async produce(topic: string, records: OutgoingRecord[]): Promise<ProducedRange[]> {
    if (records.length === 0) return [];
    let meta = this.leaderCache.get(topic);
    if (!meta) meta = (await this.metadata([topic])).get(topic);
    if (!meta || meta.length === 0) throw new ClusterRequestError(3, `topic ${topic}`);
    const count = meta.length;
    const now = Date.now();
    // Split by partition (keeping order), then into batches below the size limit.
    const byPartition = new Map<number, OutgoingRecord[]>();
    for (const r of records) {
      const p = r.partition ?? choosePartition(r.key, count, () => this.roundRobin++);
      let l = byPartition.get(p);
      if (!l) byPartition.set(p, (l = []));
      l.push(r);
    }
    const leaders = await this.leaders(topic, [...byPartition.keys()]);
    const out: ProducedRange[] = [];
    for (const [partition, list] of byPartition) {
      for (const run of batchesBySize(list)) {
        const batch = encodeRecordBatch(
          run.map((r) => ({
            key: r.key,
            value: r.value,
            headers: r.headers ?? [],
            timestamp: r.timestamp ?? now,
          })),
          { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 },
        );
        const resp = await this.raw(leaders.get(partition)!, API.Produce, VERSION.Produce, {
          transactionalId: null,
          acks: -1,
          timeoutMs: this.options.requestTimeoutMs ?? 10_000,
          topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
        });
        const pr = (resp.responses as Msg[])[0]?.partitionResponses?.[0] as Msg | undefined;
        if (!pr) throw new Error(`${this.name}: no answer for ${topic} partition ${partition}`);
        if (pr.errorCode !== 0) {
          if (STALE_LEADER.has(pr.errorCode)) this.leaderCache.delete(topic);
          throw new ClusterRequestError(pr.errorCode, `producing to ${topic} partition ${partition}`);
        }
        out.push({ partition, baseOffset: Number(pr.baseOffset), count: run.length });
      }
    }
    return out;
  }

  async fetch(topic: string, partition: number, offset: number, opts: FetchOptions = {}): Promise<ClusterRecord[]> {
    const max = opts.maxRecords ?? 500;
    const maxBytes = opts.maxBytes ?? 1024 * 1024;
    const uncommitted = opts.isolationLevel === 'read_uncommitted';
    const leader = (await this.leaders(topic, [partition])).get(partition)!;
    const out: ClusterRecord[] = [];
    let at = offset;
    let wait = Math.max(0, opts.maxWaitMs ?? 0);
    const request = async (isolationLevel: 0 | 1, from: number, maxWaitMs: number): Promise<Msg | undefined> => {
      const r = await this.raw(leader, API.Fetch, VERSION.Fetch, {
        replicaId: -1,
        maxWaitMs,
        minBytes: maxWaitMs > 0 ? 1 : 0,
        maxBytes,
        isolationLevel,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            partitions: [
              { partition, currentLeaderEpoch: -1, fetchOffset: from, logStartOffset: -1, partitionMaxBytes: maxBytes },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      if (r.errorCode) throw new ClusterRequestError(r.errorCode, `fetching ${topic}`);
      return (r.responses as Msg[])[0]?.partitions?.[0] as Msg | undefined;
    };
    for (;;) {
      const p = await request(uncommitted ? 0 : 1, at, wait);
      if (!p) break;
      if (p.errorCode === 1 && out.length === 0) {
        // OFFSET_OUT_OF_RANGE below the log start: read from the start instead, as a consumer resetting to earliest.
        const start = (await this.partitionsOf([topic])).get(topic)?.[partition]?.logStartOffset ?? 0;
        if (at < start) {
          at = start;
          continue;
        }
      }
      if (p.errorCode !== 0) {
        if (STALE_LEADER.has(p.errorCode)) this.leaderCache.delete(topic);
        throw new ClusterRequestError(p.errorCode, `fetching ${topic} partition ${partition}`);
      }
      const bytes = p.records as Buffer | null;
      if (!bytes || bytes.length === 0) break;
      wait = 0; // only the first request waits for news
      let got: { records: ClusterRecord[]; nextOffset: number };
      if (uncommitted) {
        const lso = Number(p.lastStableOffset);
        const stable = lso < 0 ? Number.MAX_SAFE_INTEGER : lso;
        let u = uncommittedRecords(partition, bytes, at, max - out.length, null, stable);
        if (u.unresolved) {
          // A transaction's marker lies beyond this answer: a read_committed Fetch of the same range lists the
          // aborted ones.
          const c = await request(1, at, 0);
          const aborted = (c?.errorCode === 0 ? (c.abortedTransactions as AbortedTxn[] | null) : null) ?? [];
          u = uncommittedRecords(partition, bytes, at, max - out.length, aborted.map(abortedOf), stable);
        }
        got = u;
      } else got = committedRecords(partition, bytes, at, max - out.length, p.abortedTransactions as never);
      out.push(...got.records);
      const end = Number(uncommitted ? p.highWatermark : p.lastStableOffset);
      if (out.length >= max || got.nextOffset <= at || got.nextOffset >= end) break;
      at = got.nextOffset;
    }
    return out;
  }

  /** The first offset at or after `timestamp` (-1: none); -1 = the log end, -2 = the log start (as ListOffsets). */
  async offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    const leader = (await this.leaders(topic, [partition])).get(partition)!;
    const r = await this.raw(leader, API.ListOffsets, VERSION.ListOffsets, {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
    });
    const p = (r.topics as Msg[])[0]?.partitions?.[0] as Msg | undefined;
    if (!p) throw new Error(`${this.name}: no answer for ${topic} partition ${partition}`);
    if (p.errorCode !== 0) throw new ClusterRequestError(p.errorCode, `${topic} partition ${partition}`);
    return Number(p.offset);
  }

  async close(): Promise<void> {
    this.closed = true;
    const admin = this.admin;
    this.admin = undefined;
    await Promise.all([
      admin?.disconnect().catch(() => undefined),
      this.lowConnected ? this.low.disconnect().catch(() => undefined) : undefined,
    ]);
    this.lowConnected = false;
  }
}

/** An aborted-transactions entry of a Fetch answer (its producer id may be a bigint). */
function abortedOf(a: AbortedTxn): AbortedTxn {
  return { producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) };
}
