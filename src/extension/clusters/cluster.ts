/**
 * The Cluster contract: what the sidebar trees, the copy command and (next) the panels ask of a Kafka cluster,
 * whether it is this window's embedded broker (EmbeddedCluster, in-process) or any Kafka reached over the wire
 * (WireCluster, kafkajs). vscode-free; one unit suite runs the same cases against both implementations.
 *
 * Rules every implementation keeps:
 *  - every method is async and rejects with an Error whose message is the cluster's own (an ACL refusal reads
 *    "…TOPIC_AUTHORIZATION_FAILED…" from the server, never a local guess);
 *  - what a cluster cannot tell over the protocol is `undefined` (size on disk, newest record time), never a
 *    made-up number: views print "unknown";
 *  - lag has one definition, src/broker/lag.ts computeGroupLag, fed with committed offsets, members'
 *    assignments and partition offsets;
 *  - records keep their key, value, headers (order and duplicates) and timestamp through fetch and produce;
 *  - lists come sorted by name (topics, groups) and by partition number.
 */
import type { GroupLag } from '../../broker/lag';
import type {
  ConfigEntry,
  GroupDescription,
  GroupListing,
  OffsetResetSpec,
  RecordHeader,
  TopicConfigs,
} from '../../broker/types';

export interface ClusterBroker {
  nodeId: number;
  host: string;
  port: number;
}

export interface ClusterDescription {
  clusterId: string;
  controllerId: number;
  brokers: ClusterBroker[];
}

export interface ClusterTopic {
  name: string;
  partitions: number;
  /** Topic id (UUID text); '' when the cluster's answer did not carry it. */
  topicId: string;
  /** Non-default configs known without another request (the embedded broker); {} over the wire. */
  configs: TopicConfigs;
}

export interface TopicPage {
  topics: ClusterTopic[];
  /** How many topics match the filter in all. */
  total: number;
}

export interface TopicQuery {
  /** Only names containing this (case-insensitive). */
  filter?: string;
  /** First index (after sorting and filtering); default 0. */
  offset?: number;
  /** At most this many; default all. */
  limit?: number;
  /** Include internal topics (__consumer_offsets, …); default false. */
  internal?: boolean;
}

export interface ClusterPartition {
  topic: string;
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  /** The leader's node id; -1 when there is none. */
  leader: number;
  /** Bytes on disk; undefined when the cluster cannot tell. */
  sizeBytes: number | undefined;
  /** Newest record's timestamp (-1: empty); undefined when the cluster cannot tell. */
  lastTimestamp: number | undefined;
}

export interface ClusterRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** 0 = CreateTime, 1 = LogAppendTime (the batch's timestamp type). */
  timestampType?: 0 | 1;
  /** The producer id and epoch of the batch the record came from (-1 when not idempotent). */
  producerId?: number;
  producerEpoch?: number;
  /** The batch belongs to a transaction. */
  isTransactional?: boolean;
  /** The batch's compression codec: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression?: number;
  /** read_uncommitted only: a transaction marker (its key and value are the control record's bytes). */
  control?: 'COMMIT' | 'ABORT' | 'UNKNOWN';
  /** read_uncommitted only, on a transactional record: its transaction was aborted (false: committed or still open). */
  aborted?: boolean;
}

/** A record to produce; partition undefined = the cluster's partitioner (by key). */
export interface OutgoingRecord {
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** CreateTime; default now. */
  timestamp?: number;
}

export interface ProducedRange {
  partition: number;
  baseOffset: number;
  count: number;
}

export interface FetchOptions {
  /** Stop after this many records (default 500). */
  maxRecords?: number;
  /** Bytes the cluster may return per request (default 1 MiB). */
  maxBytes?: number;
  /**
   * read_committed (default): committed data only, up to the last stable offset, control records and aborted
   * transactions' records skipped. read_uncommitted: everything up to the high watermark, transaction markers as
   * records with `control`, and each transactional record's `aborted`.
   */
  isolationLevel?: 'read_committed' | 'read_uncommitted';
  /** How long the cluster may hold the answer while there is nothing new at `offset` (default 0: answer at once). */
  maxWaitMs?: number;
}

export interface CommittedOffsetRow {
  topic: string;
  partition: number;
  offset: number;
}

export interface Cluster {
  /** What the user calls it ("Kafka Lite (this window)", a configured cluster's name). */
  readonly name: string;
  readonly kind: 'embedded' | 'wire';

  describeCluster(): Promise<ClusterDescription>;

  listTopics(query?: TopicQuery): Promise<TopicPage>;
  /** Each partition of each named topic; a topic that does not exist is absent from the map. */
  partitionsOf(topics: string[]): Promise<Map<string, ClusterPartition[]>>;
  /** Every config of a topic, defaults included. */
  topicConfigs(topic: string): Promise<ConfigEntry[]>;

  listGroups(): Promise<GroupListing[]>;
  describeGroups(groupIds: string[]): Promise<GroupDescription[]>;
  committedOffsets(groupId: string): Promise<CommittedOffsetRow[]>;
  groupLag(groupId: string): Promise<GroupLag>;

  createTopic(name: string, partitions: number, configs?: TopicConfigs): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  /** Grow a topic to `total` partitions. */
  addPartitions(topic: string, total: number): Promise<void>;
  /** Set (string) or reset to default (null) the named configs; the others stay as they are. */
  alterTopicConfigs(topic: string, changes: Record<string, string | null>): Promise<void>;
  /** Kafka's reset-offsets for one topic (every partition, or one); returns the offsets written. */
  resetOffsets(
    groupId: string,
    topic: string,
    spec: OffsetResetSpec,
    partition?: number,
  ): Promise<CommittedOffsetRow[]>;
  deleteGroup(groupId: string): Promise<void>;

  /** Produce one batch (acks=all); records keep their order per partition. */
  produce(topic: string, records: OutgoingRecord[]): Promise<ProducedRange[]>;
  /** Records of one partition from `offset` (committed data only, control records skipped, unless asked otherwise). */
  fetch(topic: string, partition: number, offset: number, opts?: FetchOptions): Promise<ClusterRecord[]>;
  /** The first offset whose timestamp is >= `timestamp`, or -1 when there is none. */
  offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number>;

  close(): Promise<void>;
}

/** Sort, filter and page a topic list the same way for every implementation. */
export function pageTopics(all: ClusterTopic[], query: TopicQuery = {}): TopicPage {
  const filter = query.filter?.toLowerCase();
  const matching = all
    .filter((t) => (query.internal ? true : !t.name.startsWith('__')))
    .filter((t) => !filter || t.name.toLowerCase().includes(filter))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const offset = Math.max(0, query.offset ?? 0);
  const end = query.limit === undefined ? undefined : offset + Math.max(0, query.limit);
  return { topics: matching.slice(offset, end), total: matching.length };
}

/**
 * Kafka's reset-offsets arithmetic on one partition, shared by both implementations: the target offset,
 * clamped into [log start, log end]. `found` is the timestamp lookup's answer (-1: none → log end).
 */
export function resetTarget(
  spec: OffsetResetSpec,
  p: { logStartOffset: number; logEndOffset: number },
  current: number | undefined,
  found?: number,
): number {
  let offset: number;
  switch (spec.kind) {
    case 'earliest':
      offset = p.logStartOffset;
      break;
    case 'latest':
      offset = p.logEndOffset;
      break;
    case 'timestamp':
      offset = found === undefined || found < 0 ? p.logEndOffset : found;
      break;
    case 'offset':
      offset = spec.offset;
      break;
    case 'shift':
      offset = (current === undefined || current < 0 ? p.logStartOffset : current) + spec.by;
      break;
  }
  return Math.min(Math.max(offset, p.logStartOffset), p.logEndOffset);
}

/** Keep each produced batch under Kafka's default max.message.bytes (1 MiB) with room for framing. */
export const MAX_BATCH_BYTES = 900 * 1024;

/** What batchesBySize weighs: a record's key, value and headers, as bytes or text. */
export interface SizedRecord {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: readonly { key: string; value?: Buffer | string | null }[];
}

const byteLength = (v: Buffer | string | null | undefined): number =>
  v === null || v === undefined ? 0 : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(v, 'utf8');

/**
 * Split records (one partition's, in order) into runs whose encoded size stays under `maxBytes` and whose length
 * stays at `maxRecords` at most (≥ 1 record each).
 */
export function batchesBySize<T extends SizedRecord>(
  records: T[],
  maxBytes = MAX_BATCH_BYTES,
  maxRecords = Number.POSITIVE_INFINITY,
): T[][] {
  const out: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const r of records) {
    let size = 64 + byteLength(r.key) + byteLength(r.value);
    for (const h of r.headers ?? []) size += 4 + byteLength(h.key) + byteLength(h.value);
    if (run.length > 0 && (run.length >= maxRecords || bytes + size > maxBytes)) {
      out.push(run);
      run = [];
      bytes = 0;
    }
    run.push(r);
    bytes += size;
  }
  if (run.length > 0) out.push(run);
  return out;
}
