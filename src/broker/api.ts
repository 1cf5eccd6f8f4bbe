/**
 * Contracts between the engine's parts. broker.ts composes these behind one facade (class Broker); each part is
 * built and tested on its own:
 *
 *   LogManager            storage/    topics, partitions, segmented logs, retention, recovery, flush policy
 *   GroupCoordinator      groups/     Kafka's classic group protocol (join/sync/heartbeat/leave), clock-driven
 *   OffsetStore           offsets/    committed offsets per group/topic/partition, commit history
 *   ProducerStateManager  producers/  producer ids/epochs, the last-5-batches sequence window per partition
 *   TxnMarkerWriter       storage/    commit/abort control batches, the last stable offset, aborted txns
 *                                     (what the transaction coordinator in transactions/ asks of the logs)
 *
 * Nothing here imports vscode or net.
 */
import type { Clock } from './clock';
import type { TopicPartition } from '../shared/topic-partition';
import type { BatchHeader } from './storage/record-batch';
import type { StorageIo } from './storage/segment';
import type {
  AppendResult,
  CommitHistoryEntry,
  CompactionStats,
  CommittedOffset,
  ConfigEntry,
  FetchResult,
  GroupDescription,
  GroupListing,
  JoinGroupRequest,
  JoinGroupResult,
  OffsetCommitEntry,
  OffsetForTime,
  PartitionInfo,
  ProducerIdAndEpoch,
  ProducerPartitionState,
  SyncGroupRequest,
  SyncGroupResult,
  TopicConfigs,
  TopicInfo,
} from './types';

export type Logger = (level: 'info' | 'warn' | 'error', message: string) => void;

/** One batch's fixed header; the type lives with the batch format (storage/record-batch.ts). */
export type { BatchHeader };

export interface FlushPolicy {
  /** fsync dirty segments at most this long after an append (batched). Default 50 ms. */
  intervalMs: number;
}

export interface LogManagerOptions {
  /** The data directory; topics live in `<dataDir>/topics/<topic>-<partition>/`, metadata in `<dataDir>/meta/`. */
  dataDir: string;
  clock: Clock;
  flush: FlushPolicy;
  logger: Logger;
  /** Called after every append and other log-changing event (the Broker re-emits them). */
  onEvent: (event: string, payload: unknown) => void;
}

export interface LogManager {
  // topics
  createTopic(name: string, partitions: number, configs?: TopicConfigs): Promise<TopicInfo>;
  deleteTopic(name: string): Promise<void>;
  createPartitions(name: string, totalCount: number): Promise<void>;
  /**
   * Change config overrides: a string value sets the key, null puts it back to its default. Everything is
   * validated first (INVALID_CONFIG naming the key), then stored at once; validateOnly stops after validating.
   */
  alterTopicConfigs(
    name: string,
    configs: Record<string, string | null>,
    opts?: { validateOnly?: boolean },
  ): Promise<void>;
  listTopics(): TopicInfo[];
  getTopic(name: string): TopicInfo | undefined;
  /** Every config Kafka lists for a topic, with its value and whether it is the default. */
  describeTopicConfigs(name: string): ConfigEntry[];
  partitionInfo(topic: string, partition: number): PartitionInfo;

  // records
  /** Validate a produced record set (one or more v2 batches): magic, CRC-32C, sizes, max.message.bytes. Throws KafkaError. Changes nothing. */
  parseRecordSet(topic: string, partition: number, recordSet: Buffer): BatchHeader[];
  /** Append a record set already validated by parseRecordSet: stamps base offsets (and LogAppendTime when configured), writes, indexes. */
  appendValidated(topic: string, partition: number, recordSet: Buffer, headers: BatchHeader[]): AppendResult;
  /**
   * Whole batches from the one containing `offset`, up to maxBytes (at least one batch), none whose base offset is
   * maxOffset or more (default: no bound; read_committed passes the last stable offset). Throws
   * OFFSET_OUT_OF_RANGE outside [logStart, logEnd].
   */
  read(topic: string, partition: number, offset: number, maxBytes: number, maxOffset?: number): FetchResult;
  /** Aborted transactions overlapping [from, upper), from the partition's aborted-transaction index (.txnindex). */
  abortedTransactions(topic: string, partition: number, from: number, upper: number): AbortedTransaction[];
  /** Add an aborted transaction whose ABORT marker was just appended to the partition's index (written, fsynced). */
  appendAbortedTransaction(topic: string, partition: number, entry: AbortedTransaction): void;
  offsetForTimestamp(topic: string, partition: number, timestamp: number): OffsetForTime;
  /** Advance the log start offset to `offset` (-1 = the high watermark); returns the new log start offset. */
  deleteRecords(topic: string, partition: number, offset: number): number;
  /** Batch headers (with their real base offsets) from the batch containing fromOffset to the log end, read from disk lazily. */
  scanBatchHeaders(topic: string, partition: number, fromOffset: number): Iterable<BatchHeader>;
  /** True when the last open found the clean-shutdown marker (no recovery was needed). */
  readonly openedCleanly: boolean;

  // durability
  /** Resolves once everything appended so far is fsynced (acks=all waits on this). */
  flush(): Promise<void>;
  /**
   * Resolves once everything appended so far is fsynced by the flush policy's own timer (no flush is started
   * early): for writes that follow the flush policy but want to know when they are durable (transaction markers).
   */
  whenFlushed(): Promise<void>;
  /**
   * Awaited before every flush makes appended data durable (null removes it): the transaction coordinator makes
   * transactions.log durable first, so a transaction's data never reaches the disk through a flush before the
   * line that added its partition.
   */
  setFlushBarrier(barrier: (() => Promise<void>) | null): void;
  /** Run retention (time and size) now; also runs on a timer. */
  enforceRetention(): void;
  /** Compact a compacted topic now (roll, flush, clean); INVALID_CONFIG when its cleanup.policy lacks "compact". */
  compactTopic(name: string): Promise<CompactionStats[]>;
  /** Flush, write the clean-shutdown marker, close files. */
  close(): Promise<void>;
}

export interface GroupCoordinatorOptions {
  clock: Clock;
  /** Delay of the first rebalance of an empty group (Kafka: group.initial.rebalance.delay.ms). Default 0 here. */
  initialRebalanceDelayMs: number;
  logger: Logger;
  onEvent: (event: string, payload: unknown) => void;
}

export interface GroupCoordinator {
  join(req: JoinGroupRequest): Promise<JoinGroupResult>;
  sync(req: SyncGroupRequest): Promise<SyncGroupResult>;
  heartbeat(
    groupId: string,
    generationId: number,
    memberId: string,
    groupInstanceId?: string | null,
  ): { errorCode: number };
  leave(
    groupId: string,
    members: { memberId: string; groupInstanceId: string | null }[],
  ): {
    errorCode: number;
    members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
  };
  describe(groupId: string): GroupDescription;
  list(): GroupListing[];
  /** Validates a commit against the group's generation/member (generation -1 = simple, memberless commit). */
  validateCommit(groupId: string, generationId: number, memberId: string): number;
  /** Removes an Empty or Dead group; NON_EMPTY_GROUP otherwise, GROUP_ID_NOT_FOUND when unknown. */
  deleteGroup(groupId: string): number;
  hasActiveMembers(groupId: string): boolean;
  close(): void;
}

export interface OffsetStore {
  commit(groupId: string, memberId: string, generationId: number, offsets: OffsetCommitEntry[]): Promise<void>;
  /** null topics = every partition the group has committed. */
  fetch(groupId: string, topics: { topic: string; partitions: number[] }[] | null): CommittedOffset[];
  /** Group ids with at least one commit (groups known only from their offsets are still listed, as Kafka does). */
  groupsWithOffsets(): string[];
  history(groupId: string, topic: string, partition: number): CommitHistoryEntry[];
  deleteGroup(groupId: string): Promise<void>;
  deleteOffsets(groupId: string, partitions: TopicPartition[]): Promise<void>;
  deleteTopic(topic: string): Promise<void>;

  // transactional offsets (TxnOffsetCommit): held per (group, producer id) until the transaction ends
  /**
   * Hold offsets of a transaction: they are not the group's committed offsets until completeTxnOffsets(commit);
   * a later call for the same partition replaces the held offset. One durable line, like commit().
   */
  commitTxnOffsets(
    groupId: string,
    producerId: number,
    producerEpoch: number,
    memberId: string,
    generationId: number,
    offsets: OffsetCommitEntry[],
  ): Promise<void>;
  /** The transaction ended: commit = the held offsets become committed (history included); abort = dropped. */
  completeTxnOffsets(groupId: string, producerId: number, commit: boolean): Promise<void>;
  /** Partitions of the group with offsets held by an open transaction (OffsetFetch RequireStable). */
  pendingTxnPartitions(groupId: string): { topic: string; partition: number }[];
  /** Every (group, producer id) holding offsets (the coordinator drops orphans after a restart). */
  pendingTxnOffsets(): { groupId: string; producerId: number }[];
  close(): Promise<void>;
}

export interface ProducerStateManagerOptions {
  /** Directory for the producer-id counter and the sequence-window snapshot (`<dataDir>/meta`). */
  dir: string;
  clock: Clock;
  logs: Pick<LogManager, 'listTopics' | 'scanBatchHeaders' | 'partitionInfo' | 'openedCleanly'>;
  logger: Logger;
}

export interface OffsetStoreOptions {
  /** Directory of the offsets log (`<dataDir>/meta`). */
  dir: string;
  clock: Clock;
  /** Commits kept per group/topic/partition for the panels. Default 50. */
  historyLimit: number;
  /** Where a cut tail or a failed compaction is reported. */
  logger?: Logger;
  /** The writes a commit may fail in (tests inject ENOSPC); default the real fs. */
  io?: StorageIo;
}

export interface ProducerStateManager {
  initProducerId(transactionalId: string | null, current?: ProducerIdAndEpoch): Promise<ProducerIdAndEpoch>;
  /** A new producer id (written to disk before it is returned, so ids never repeat); the transaction coordinator's source. */
  allocateProducerId(): Promise<number>;
  /**
   * Check an idempotent batch against the partition's window before it is appended.
   * Returns the original offsets for a retried batch already stored ('duplicate'), 'append' for the next one in
   * sequence; throws KafkaError OUT_OF_ORDER_SEQUENCE_NUMBER / INVALID_PRODUCER_EPOCH / UNKNOWN_PRODUCER_ID.
   */
  check(
    topic: string,
    partition: number,
    header: BatchHeader,
  ): { kind: 'append' } | { kind: 'duplicate'; baseOffset: number; lastOffset: number };
  /** Record a batch after it was appended at baseOffset. */
  record(topic: string, partition: number, header: BatchHeader, baseOffset: number): void;
  state(topic: string, partition: number): ProducerPartitionState[];
  deleteTopic(topic: string): void;
  /** Persist a snapshot (on clean close and periodically). */
  snapshot(): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- transactions

/** One entry of a partition's aborted-transaction index (Kafka's AbortedTxn; see docs/LOG_FORMAT.md). */
export interface AbortedTransaction {
  producerId: number;
  /** The transaction's first offset on the partition. */
  firstOffset: number;
  /** The offset of its ABORT marker. */
  lastOffset: number;
  /** The partition's last stable offset once it ended. */
  lastStableOffset: number;
}

/**
 * The per-partition transaction state the producer state manager keeps beside the sequence windows: each
 * producer's open transaction (its first offset), opened by its first transactional batch and closed by a marker.
 */
export interface ProducerTransactionState {
  /** Throws INVALID_PRODUCER_EPOCH when the producer's epoch on the partition is newer than the marker's. */
  checkTxnMarker(topic: string, partition: number, producerId: number, producerEpoch: number): void;
  /** Close the producer's open transaction after its marker was appended at markerOffset (see producer-state.ts). */
  completeTxn(
    topic: string,
    partition: number,
    producerId: number,
    producerEpoch: number,
    markerOffset: number,
    /** The marker's timestamp: the producer's last timestamp on the partition (DescribeProducers). */
    timestamp?: number,
  ): { firstOffset: number | null; lastStableOffset: number };
  /** First offset of the earliest open transaction on the partition; null when none is open. */
  firstUnstableOffset(topic: string, partition: number): number | null;
  openTransactions(
    topic: string,
    partition: number,
  ): { producerId: number; producerEpoch: number; firstOffset: number }[];
}

/** The end of one producer's transaction, written to each of its partitions (Kafka's WriteTxnMarkers entry). */
export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  /** true: a COMMIT control record; false: an ABORT control record. */
  commit: boolean;
  /** The coordinator's epoch (always 0 here: one coordinator, never moved); stored in the control record. */
  coordinatorEpoch: number;
}

/**
 * What the transaction coordinator asks of the partition logs when a transaction ends. Implemented by the
 * storage side, used by the coordinator (src/broker/transactions), composed in broker.ts.
 */
export interface TxnMarkerWriter {
  /**
   * Append the marker to each partition as a control batch (isTransactional and isControl set, one control
   * record: version 0, type 0 ABORT / 1 COMMIT, value = version + coordinator epoch, as Kafka writes it) and
   * resolve once every marker is appended (durable when whenDurable() says so; a writer without whenDurable
   * resolves once they are fsynced). The producer's open transaction on that partition ends: its last stable
   * offset moves past it, and an ABORT is added to the partition's aborted-transaction index.
   * Per partition: NONE (with the marker's offset when the writer knows it); UNKNOWN_TOPIC_OR_PARTITION when the
   * topic or partition is gone (nothing left to mark, the coordinator goes on); KAFKA_STORAGE_ERROR when the
   * write failed (the coordinator retries later).
   */
  writeTxnMarkers(
    marker: TxnMarker,
    partitions: readonly TopicPartition[],
  ): Promise<{ topic: string; partition: number; errorCode: number; offset?: number }[]>;
  /** Resolves once every marker appended before the call is fsynced (the partitions' flush). */
  whenDurable?(): Promise<void>;
  /**
   * The partition's log end offset now, undefined when it does not exist: after a restart the coordinator
   * tells a marker that reached the disk (the end is past its offset) from one that did not.
   */
  logEndOffset?(tp: TopicPartition): number | undefined;
}

/**
 * What the produce path asks the transaction coordinator before it appends a transactional batch (Kafka's
 * transaction.partition.verification): is the partition part of this producer's ongoing transaction? Without
 * this check a batch sent to a partition that was never added would never get a marker, and that partition's
 * last stable offset would stay behind it forever. Implemented by src/broker/transactions, used by the Produce
 * path, composed in broker.ts.
 */
export interface TxnPartitionVerifier {
  /**
   * NONE when transactionalId's current producer is (producerId, producerEpoch), its transaction is Ongoing and
   * includes the partition; otherwise the error Kafka answers the Produce with (e.g. INVALID_PRODUCER_EPOCH or
   * PRODUCER_FENCED for an old epoch, INVALID_TXN_STATE when the partition was not added, TRANSACTIONAL_ID_NOT_FOUND,
   * INVALID_PRODUCER_ID_MAPPING when the id belongs to another producer).
   */
  verify(transactionalId: string, producerId: number, producerEpoch: number, tp: TopicPartition): number;
}
