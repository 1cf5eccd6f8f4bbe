/**
 * EmbeddedCluster: the Cluster contract over this window's in-process Broker (no sockets). It answers what the
 * engine knows, including what a remote cluster cannot tell (size on disk, newest record time), and writes
 * through the same engine calls the wire server uses, so a topic, a reset or a produced record is the same
 * whether it came from here or from a client. vscode-free.
 */
import type { Broker } from '../../broker/broker';
import { KafkaError, ErrorCode } from '../../broker/errors';
import { choosePartition } from '../../broker/partitioner';
import type { GroupLag } from '../../broker/lag';
import type { ConfigEntry, GroupDescription, GroupListing, OffsetResetSpec, TopicConfigs } from '../../broker/types';
import type {
  Cluster,
  ClusterDescription,
  ClusterPartition,
  ClusterRecord,
  CommittedOffsetRow,
  FetchOptions,
  OutgoingRecord,
  ProducedRange,
  TopicPage,
  TopicQuery,
} from './cluster';
import { batchesBySize, pageTopics } from './cluster';
import { committedRecords, uncommittedRecords } from './records';

export interface EmbeddedClusterOptions {
  name?: string;
  /** Where the wire server listens (for describeCluster); undefined while it does not. */
  address?: () => { host: string; port: number } | undefined;
  clusterId?: string;
  nodeId?: number;
}

export class EmbeddedCluster implements Cluster {
  readonly kind = 'embedded' as const;
  readonly name: string;
  private roundRobin = 0;

  constructor(
    readonly broker: Broker,
    private readonly opts: EmbeddedClusterOptions = {},
  ) {
    this.name = opts.name ?? 'Kafka Lite (this window)';
  }

  async describeCluster(): Promise<ClusterDescription> {
    const nodeId = this.opts.nodeId ?? 1;
    const a = this.opts.address?.();
    return {
      clusterId: this.opts.clusterId ?? '',
      controllerId: nodeId,
      brokers: a ? [{ nodeId, host: a.host, port: a.port }] : [],
    };
  }

  async listTopics(query?: TopicQuery): Promise<TopicPage> {
    return pageTopics(
      this.broker.listTopics().map((t) => ({
        name: t.name,
        partitions: t.partitions,
        topicId: t.topicId,
        configs: { ...t.configs },
      })),
      query,
    );
  }

  async partitionsOf(topics: string[]): Promise<Map<string, ClusterPartition[]>> {
    const out = new Map<string, ClusterPartition[]>();
    for (const name of topics) {
      if (!this.broker.getTopic(name)) continue;
      out.set(
        name,
        this.broker.partitions(name).map((p) => ({
          topic: p.topic,
          partition: p.partition,
          logStartOffset: p.logStartOffset,
          logEndOffset: p.logEndOffset,
          leader: this.opts.nodeId ?? 1,
          sizeBytes: p.sizeBytes,
          lastTimestamp: p.lastTimestamp,
        })),
      );
    }
    return out;
  }

  async topicConfigs(topic: string): Promise<ConfigEntry[]> {
    return this.broker.describeTopicConfigs(topic);
  }

  async listGroups(): Promise<GroupListing[]> {
    return this.broker.listGroups();
  }

  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    return groupIds.map((g) => this.broker.describeGroup(g));
  }

  async committedOffsets(groupId: string): Promise<CommittedOffsetRow[]> {
    return this.broker
      .fetchOffsets(groupId, null)
      .filter((c) => c.offset >= 0)
      .map((c) => ({ topic: c.topic, partition: c.partition, offset: c.offset }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  async groupLag(groupId: string): Promise<GroupLag> {
    return this.broker.groupLag(groupId);
  }

  async createTopic(name: string, partitions: number, configs?: TopicConfigs): Promise<void> {
    await this.broker.createTopic(name, partitions, configs);
  }

  async deleteTopic(name: string): Promise<void> {
    await this.broker.deleteTopic(name);
  }

  async addPartitions(topic: string, total: number): Promise<void> {
    await this.broker.createPartitions(topic, total);
  }

  async alterTopicConfigs(topic: string, changes: Record<string, string | null>): Promise<void> {
    await this.broker.alterTopicConfigs(topic, changes);
  }

  async resetOffsets(
    groupId: string,
    topic: string,
    spec: OffsetResetSpec,
    partition?: number,
  ): Promise<CommittedOffsetRow[]> {
    const entries = await this.broker.resetOffsets(groupId, topic, partition ?? null, spec);
    return entries.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset }));
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.broker.deleteGroup(groupId);
  }

  async produce(topic: string, records: OutgoingRecord[]): Promise<ProducedRange[]> {
    if (records.length === 0) return [];
    const t = (await this.broker.ensureTopic(topic)) ?? this.broker.getTopic(topic);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${topic}"`);
    // Each record without a partition goes where its key hashes (round robin without a key), as a client's would.
    const placed = records.map((r) => ({
      ...r,
      partition: r.partition ?? choosePartition(r.key, t.partitions, () => this.roundRobin++),
    }));
    // One engine batch per run of records bound for the same partition, in the order given.
    const out: ProducedRange[] = [];
    let i = 0;
    while (i < placed.length) {
      const partition = placed[i].partition;
      let j = i + 1;
      while (j < placed.length && placed[j].partition === partition) j++;
      for (const slice of batchesBySize(placed.slice(i, j))) {
        const r = await this.broker.produce(
          topic,
          slice.map((x) => ({ key: x.key, value: x.value, headers: x.headers ?? [], timestamp: x.timestamp })),
          { partition },
        );
        out.push({ partition: r.partition, baseOffset: r.baseOffset, count: slice.length });
      }
      i = j;
    }
    await this.broker.flush();
    return out;
  }

  async fetch(topic: string, partition: number, offset: number, opts: FetchOptions = {}): Promise<ClusterRecord[]> {
    const max = opts.maxRecords ?? 500;
    const maxBytes = opts.maxBytes ?? 1024 * 1024;
    const uncommitted = opts.isolationLevel === 'read_uncommitted';
    const out: ClusterRecord[] = [];
    let at = Math.max(offset, this.broker.partitionInfo(topic, partition).logStartOffset);
    if (opts.maxWaitMs && opts.maxWaitMs > 0) await this.waitForNews(topic, partition, at, uncommitted, opts.maxWaitMs);
    for (;;) {
      const r = this.broker.fetch(topic, partition, at, maxBytes, uncommitted ? 0 : 1);
      if (r.records.length === 0) break;
      let got: { records: ClusterRecord[]; nextOffset: number };
      if (uncommitted) {
        let u = uncommittedRecords(partition, r.records, at, max - out.length, null, r.lastStableOffset);
        if (u.unresolved) {
          const c = this.broker.fetch(topic, partition, at, maxBytes, 1);
          u = uncommittedRecords(
            partition,
            r.records,
            at,
            max - out.length,
            c.abortedTransactions ?? [],
            r.lastStableOffset,
          );
        }
        got = u;
      } else got = committedRecords(partition, r.records, at, max - out.length, r.abortedTransactions);
      out.push(...got.records);
      const end = uncommitted ? this.broker.partitionInfo(topic, partition).logEndOffset : r.lastStableOffset;
      if (out.length >= max || got.nextOffset <= at || got.nextOffset >= end) break;
      at = got.nextOffset;
    }
    return out;
  }

  /** Resolve once the partition has something to read at `at` (as a Fetch's maxWaitMs), or after `ms`. */
  private waitForNews(topic: string, partition: number, at: number, uncommitted: boolean, ms: number): Promise<void> {
    const ready = () => {
      const i = this.broker.partitionInfo(topic, partition);
      return at < (uncommitted ? i.logEndOffset : this.broker.lastStableOffset(topic, partition));
    };
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const off = this.broker.on('append', (e) => {
        if (e.topic === topic && e.partition === partition && ready()) done();
      });
    });
  }

  async offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    return this.broker.listOffset(topic, partition, timestamp, 1).offset;
  }

  async close(): Promise<void> {
    // The broker belongs to BrokerHost; nothing to release here.
  }
}
