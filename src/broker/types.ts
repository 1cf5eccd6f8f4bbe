/**
 * The engine's public vocabulary: the shapes that cross from src/broker to src/protocol, src/client and
 * src/extension. Offsets and timestamps are JS numbers (exact up to 2^53, far beyond a local broker's needs);
 * the wire codecs convert int64 fields to and from number at the edge.
 *
 * Owners: the storage engine (LogManager, topics, partition logs) implements the topic/log parts; the group
 * coordinator, offset store and producer state manager implement theirs; `Broker` (broker.ts) composes them
 * behind one facade. Nothing here imports vscode or net.
 */

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One decoded record, as a person or the in-process consumer sees it. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** 0 = CreateTime, 1 = LogAppendTime (from the batch attributes). */
  timestampType: 0 | 1;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** Idempotence fields of the batch the record came from (-1 when not idempotent). */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** Compression codec of the batch: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number;
  /** The batch belongs to a transaction (attributes bit 0x10). */
  isTransactional?: boolean;
  /** A transaction marker (a control batch's record; its key and value are the control record's bytes). */
  control?: 'COMMIT' | 'ABORT' | 'UNKNOWN';
  /** Data of an aborted transaction (a read_committed consumer never sees it). */
  aborted?: boolean;
}

/** A record to produce through the engine's convenience API (the wire path appends client batches as is). */
export interface ProduceRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeader[];
  /** CreateTime in ms; defaults to the clock's now. */
  timestamp?: number;
}

/** Per-topic configuration, with Kafka's names. Values are kept as strings, as Kafka does. */
export type TopicConfigs = Record<string, string>;

export interface ConfigEntry {
  name: string;
  value: string | null;
  isDefault: boolean;
  readOnly: boolean;
  sensitive: boolean;
}

export interface TopicInfo {
  name: string;
  /** The topic's id (canonical UUID text, see topic-id.ts): new at every creation, never reused. */
  topicId: string;
  partitions: number;
  configs: TopicConfigs;
  createdAt: number;
}

export interface PartitionInfo {
  topic: string;
  partition: number;
  logStartOffset: number;
  /** Log end offset (the high watermark: a single replica, so every appended record is committed). */
  logEndOffset: number;
  sizeBytes: number;
  segmentCount: number;
  /** Timestamp of the newest record, or -1 when the partition is empty. */
  lastTimestamp: number;
  /**
   * The last stable offset: first offset of the earliest open transaction, else the log end offset (filled by
   * Broker.partitionInfo; the log manager alone does not know open transactions).
   */
  lastStableOffset?: number;
}

export interface AppendResult {
  baseOffset: number;
  /** Offset of the last record appended. */
  lastOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTime: number;
  logStartOffset: number;
  /** True when the batch was a retry of one already stored (idempotent producer): nothing was appended. */
  duplicate: boolean;
}

export interface FetchResult {
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Raw record batches, whole, starting with the batch that contains the fetch offset. May be empty. */
  records: Buffer;
  /** read_committed reads only: the aborted transactions overlapping the records returned. */
  abortedTransactions?: { producerId: number; firstOffset: number }[];
}

/** ListOffsets special timestamps, as in Kafka. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
/** ListOffsets v7+: the offset of the (first) record with the largest timestamp, and that timestamp. */
export const MAX_TIMESTAMP = -3;
/** ListOffsets v8+: the local log start; without tiered storage, the log start offset. */
export const EARLIEST_LOCAL_TIMESTAMP = -4;
/** ListOffsets v9+: the last offset in tiered storage; there is none here, so offset -1. */
export const LATEST_TIERED_TIMESTAMP = -5;

export interface OffsetForTime {
  /** -1 when no record has a timestamp >= the one asked for. */
  offset: number;
  timestamp: number;
}

// ---------------------------------------------------------------- groups (Kafka's classic protocol)

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinGroupRequest {
  groupId: string;
  /** '' on a first join. */
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: a first join with memberId '' gets MEMBER_ID_REQUIRED and an id to join again with. */
  requireKnownMemberId: boolean;
}

export interface JoinGroupResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Filled only for the leader. */
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
  /**
   * True for a static leader that rejoined a Stable group with unchanged protocols: the group keeps its current
   * assignment, so the leader must not run the assignor (JoinGroup v9+ says so; older versions do not carry it).
   */
  skipAssignment?: boolean;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  /** Non-empty only from the leader. */
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Subscription bytes of the chosen protocol. */
  metadata: Buffer;
  /** Assignment bytes (consumer protocol encoding); empty before sync. */
  assignment: Buffer;
  /** Decoded assignment when the protocol type is "consumer": topic -> partitions. */
  assignedPartitions: { topic: string; partitions: number[] }[];
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocol: string;
  generationId: number;
  leader: string | null;
  members: GroupMemberDescription[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: GroupState;
}

// ---------------------------------------------------------------- committed offsets

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
  /** The leader epoch the consumer saw for the committed offset (OffsetCommit v6+); -1 or absent = unknown. */
  leaderEpoch?: number;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** -1 when the group has no commit for this partition. */
  offset: number;
  metadata: string | null;
  /** The committed leader epoch, -1 when unknown or nothing is committed. */
  leaderEpoch: number;
  errorCode: number;
}

export interface CommitHistoryEntry {
  offset: number;
  memberId: string;
  generationId: number;
  timestamp: number;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committedOffset: number;
  logEndOffset: number;
  /** logEndOffset - committedOffset; when nothing is committed, logEndOffset - logStartOffset. */
  lag: number;
}

export type OffsetResetSpec =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; timestamp: number }
  | { kind: 'offset'; offset: number }
  | { kind: 'shift'; by: number };

// ---------------------------------------------------------------- idempotent producer

export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

/** What the producer state of one partition looks like, for the panels. */
export interface ProducerPartitionState {
  producerId: number;
  producerEpoch: number;
  /** Sequence the broker expects next (last sequence + 1). */
  nextSequence: number;
  /** Up to 5 most recent batches: first/last sequence and the offsets they were stored at. */
  batches: { firstSequence: number; lastSequence: number; firstOffset: number; lastOffset: number }[];
  /** First offset of the producer's open transaction on the partition (absent when none is open; DescribeProducers). */
  currentTxnStartOffset?: number;
  /** Max timestamp of the producer's last batch or marker on the partition; -1 when not known. */
  lastTimestamp: number;
}

/** What one pass of the log cleaner did to one partition (src/broker/storage/cleaner.ts). */
export interface CompactionStats {
  topic: string;
  partition: number;
  /** Segments rewritten (segments that would not change are left alone). */
  segmentsCleaned: number;
  /** Records in the segments looked at, before and after. */
  recordsBefore: number;
  recordsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Segments below this offset have been cleaned. */
  cleanedUpTo: number;
}

// ---------------------------------------------------------------- events

/** Events the Broker emits (Node EventEmitter); the extension refreshes views from them, debounced. */
export interface BrokerEvents {
  /** Records were appended; Fetch long-polls wake on it. */
  append: { topic: string; partition: number; logEndOffset: number };
  /** A transaction marker was appended (and fsynced): the partition's last stable offset may have moved. */
  txnMarker: {
    topic: string;
    partition: number;
    producerId: number;
    producerEpoch: number;
    commit: boolean;
    offset: number;
    lastStableOffset: number;
  };
  topicCreated: { topic: string; partitions: number };
  topicDeleted: { topic: string };
  partitionsCreated: { topic: string; partitions: number };
  recordsDeleted: { topic: string; partition: number; logStartOffset: number };
  /** The log cleaner rewrote segments of a compacted topic's partition. */
  logCompacted: CompactionStats;
  /** A group changed state or generation. */
  groupChanged: { groupId: string; state: GroupState; generationId: number; members: number };
  offsetsCommitted: { groupId: string; offsets: OffsetCommitEntry[] };
  /** Recovery after an unclean shutdown cut a torn or corrupt tail. */
  recoveryTruncated: { topic: string; partition: number; bytes: number; reason: string };
  log: { level: 'info' | 'warn' | 'error'; message: string };
  /** A transactional id changed state (src/broker/transactions): the Transactions view refreshes from it. */
  transactionChanged: { transactionalId: string; state: string; producerId: number; producerEpoch: number };
}
