/**
 * RemoteClusterSnapshot: the views' ClusterReader for a broker this window does not own — the broker of the
 * window that holds the data-directory lock — read over the Kafka protocol with kafkajs's admin client.
 *
 * `refresh()` fetches a whole snapshot (topics and partition counts, each partition's log start/end offsets,
 * the groups with their members and decoded assignments, each group's committed offsets and lag) and swaps it
 * in only when every request succeeded, so the synchronous ClusterReader methods always answer from one
 * consistent snapshot. Lag follows Broker.groupLag: committed (or assigned) partitions, end - committed, or
 * end - log start when nothing is committed. What the protocol does not tell (size on disk, segment count,
 * newest record time) is 0 / 0 / -1; the tree model says "unknown" for those. kafkajs logs nothing and a dead
 * owner fails fast (short timeouts, one retry).
 *
 * vscode-free (unit-tested against a real broker); used by BrokerHost in the 'external' state.
 */
import type { Admin } from 'kafkajs';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import type {
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupState,
  PartitionInfo,
  PartitionLag,
  TopicInfo,
} from '../broker/types';
import type { ClusterReader } from './model/tree-model';
import type { GroupLag } from '../broker/lag';
import { computeGroupLag } from '../broker/lag';

interface Snapshot {
  topics: TopicInfo[];
  partitions: Map<string, PartitionInfo[]>;
  groups: GroupListing[];
  descriptions: Map<string, GroupDescription>;
  lag: Map<string, { partitions: PartitionLag[]; totalLag: number }>;
}

const GROUP_STATES = new Set<GroupState>(['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']);

function toState(s: string): GroupState {
  return GROUP_STATES.has(s as GroupState) ? (s as GroupState) : 'Dead';
}

function decodeAssignment(bytes: Buffer): { topic: string; partitions: number[] }[] {
  if (!bytes || bytes.length === 0) return [];
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(bytes);
    if (!decoded) return [];
    return Object.entries(decoded.assignment)
      .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  } catch {
    return [];
  }
}

export interface RemoteClusterOptions {
  /** Per-request timeout (ms); default 3000. */
  requestTimeoutMs?: number;
  /** Connection timeout (ms); default 1500. */
  connectionTimeoutMs?: number;
}

export class RemoteClusterSnapshot implements ClusterReader {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private snapshot: Snapshot | undefined;
  private fingerprint = '';
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    opts: RemoteClusterOptions = {},
  ) {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.kafka = new Kafka({
      clientId: 'kafka-lite-views',
      brokers: [address],
      logLevel: logLevel.NOTHING,
      connectionTimeout: opts.connectionTimeoutMs ?? 1500,
      requestTimeout: opts.requestTimeoutMs ?? 3000,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    });
  }

  get address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  /** True once a refresh has succeeded. */
  get hasSnapshot(): boolean {
    return this.snapshot !== undefined;
  }

  /**
   * Fetch a new snapshot; resolves true when it differs from the previous one. Rejects (keeping the previous
   * snapshot) when the broker cannot be reached or a request fails.
   */
  async refresh(): Promise<boolean> {
    if (this.closed) throw new Error('the remote cluster connection is closed');
    try {
      const next = await this.fetch(await this.connected());
      const print = JSON.stringify({
        t: next.topics,
        p: [...next.partitions],
        g: next.groups,
        d: [...next.descriptions].map(([k, v]) => [
          k,
          { ...v, members: v.members.map((m) => ({ ...m, metadata: undefined, assignment: undefined })) },
        ]),
        l: [...next.lag],
      });
      this.snapshot = next;
      const changed = print !== this.fingerprint;
      this.fingerprint = print;
      return changed;
    } catch (e) {
      // Reconnect from scratch next time (the owner may have restarted on another socket).
      const admin = this.admin;
      this.admin = undefined;
      await admin?.disconnect().catch(() => undefined);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  // ------------------------------------------------------------------ ClusterReader

  listTopics(): TopicInfo[] {
    return this.require().topics.map((t) => ({ ...t }));
  }

  partitions(topic: string): PartitionInfo[] {
    const p = this.require().partitions.get(topic);
    if (!p) throw new Error(`unknown topic ${topic}`);
    return p.map((x) => ({ ...x }));
  }

  listGroups(): GroupListing[] {
    return this.require().groups.map((g) => ({ ...g }));
  }

  describeGroup(groupId: string): GroupDescription {
    const d = this.require().descriptions.get(groupId);
    if (d) return d;
    return { groupId, state: 'Dead', protocolType: '', protocol: '', generationId: -1, leader: null, members: [] };
  }

  groupLag(groupId: string): { partitions: PartitionLag[]; totalLag: number } {
    const l = this.require().lag.get(groupId);
    return l
      ? { partitions: l.partitions.map((p) => ({ ...p })), totalLag: l.totalLag }
      : { partitions: [], totalLag: 0 };
  }

  // ------------------------------------------------------------------ fetching

  private require(): Snapshot {
    if (!this.snapshot) throw new Error(`no data from ${this.address} yet`);
    return this.snapshot;
  }

  private async connected(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
    await admin.connect();
    this.admin = admin;
    return admin;
  }

  private async fetch(admin: Admin): Promise<Snapshot> {
    const meta = await admin.fetchTopicMetadata();
    const topics: TopicInfo[] = meta.topics
      // kafkajs's metadata carries no topic ids: '' (unknown) for a remote cluster's topics
      .map((t) => ({ name: t.name, topicId: '', partitions: t.partitions.length, configs: {}, createdAt: 0 }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const partitions = new Map<string, PartitionInfo[]>();
    for (const t of topics) {
      const offsets = await admin.fetchTopicOffsets(t.name);
      partitions.set(
        t.name,
        offsets
          .map((o): PartitionInfo => ({
            topic: t.name,
            partition: o.partition,
            logStartOffset: Number(o.low),
            logEndOffset: Number(o.high),
            sizeBytes: 0,
            segmentCount: 0,
            lastTimestamp: -1,
          }))
          .sort((a, b) => a.partition - b.partition),
      );
    }

    const listed = (await admin.listGroups()).groups;
    const ids = listed.map((g) => g.groupId).sort((a, b) => a.localeCompare(b));
    const descriptions = new Map<string, GroupDescription>();
    if (ids.length > 0) {
      for (const g of (await admin.describeGroups(ids)).groups) {
        const members = g.members.map((m): GroupMemberDescription => ({
          memberId: m.memberId,
          groupInstanceId: null,
          clientId: m.clientId,
          clientHost: m.clientHost,
          metadata: m.memberMetadata,
          assignment: m.memberAssignment,
          assignedPartitions:
            g.protocolType === 'consumer' || g.protocolType === '' ? decodeAssignment(m.memberAssignment) : [],
        }));
        descriptions.set(g.groupId, {
          groupId: g.groupId,
          state: toState(g.state),
          protocolType: g.protocolType,
          protocol: g.protocol,
          // DescribeGroups does not carry the generation or the leader.
          generationId: -1,
          leader: null,
          members,
        });
      }
    }
    const groups: GroupListing[] = listed
      .map((g): GroupListing => {
        const d = descriptions.get(g.groupId);
        // A group known only from its committed offsets describes as Dead; list it as Empty, as Kafka does.
        const state: GroupState = d && d.state !== 'Dead' ? d.state : 'Empty';
        return { groupId: g.groupId, protocolType: g.protocolType, state };
      })
      .sort((a, b) => a.groupId.localeCompare(b.groupId));

    const lag = new Map<string, GroupLag>();
    const names = topics.map((t) => t.name);
    for (const g of groups) {
      const committed: { topic: string; partition: number; offset: number }[] = [];
      if (names.length > 0) {
        for (const t of await admin.fetchOffsets({ groupId: g.groupId, topics: names })) {
          for (const p of t.partitions) {
            const offset = Number(p.offset);
            if (offset >= 0) committed.push({ topic: t.topic, partition: p.partition, offset });
          }
        }
      }
      lag.set(
        g.groupId,
        computeGroupLag(
          committed,
          descriptions.get(g.groupId)?.members ?? [],
          (topic, partition) => partitions.get(topic)?.[partition],
        ),
      );
    }
    return { topics, partitions, groups, descriptions, lag };
  }
}
